"""The Stripe provider through the real `stripe` SDK, against the fake Stripe server."""

from __future__ import annotations

import pytest

from billing.providers import PaymentError, PaymentUnavailable, payment_provider
from tests.billing import stripe_fixtures as fixtures
from tests.billing.fake_stripe import SECRET_KEY

# the fixtures this module uses
fake_stripe = fixtures.fake_stripe
plans_seeded = fixtures.plans_seeded

pytestmark = pytest.mark.django_db


def test_choosing_the_provider_calls_nobody(fake_stripe, client):
    # when: the provider is made and the pricing page is shown
    provider = payment_provider()
    client.get("/pricing/")
    # then: nothing reached Stripe
    assert provider.name == "stripe"
    assert fake_stripe.requests == []


def test_checkout_is_a_hosted_subscription_session_naming_the_memorial(fake_stripe):
    url = payment_provider().checkout_url(
        memorial_id="m-1",
        provider_price_id="price_interactive_year",
        quantity=1,
        payer_email="ada@example.org",
        customer_id="",
        success_url="http://testserver/done/",
        cancel_url="http://testserver/cancelled/",
    )
    (request,) = fake_stripe.seen("POST", "^/v1/checkout/sessions$")
    sent = request.fields
    assert url == fake_stripe.sessions[url.rsplit("/", 1)[1]]["url"]
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert sent["mode"] == "subscription"
    assert sent["line_items"] == [{"price": "price_interactive_year", "quantity": "1"}]
    assert sent["metadata"] == {"memorial_id": "m-1"}
    assert sent["subscription_data"] == {"metadata": {"memorial_id": "m-1"}}
    assert sent["customer_email"] == "ada@example.org"
    assert "customer" not in sent


def test_checkout_reuses_the_customer(fake_stripe):
    payment_provider().checkout_url(
        memorial_id="m-1",
        provider_price_id="price_preserve_year",
        quantity=1,
        payer_email="ada@example.org",
        customer_id="cus_known",
        success_url="http://testserver/done/",
        cancel_url="http://testserver/cancelled/",
    )
    (request,) = fake_stripe.seen("POST", "^/v1/checkout/sessions$")
    assert request.fields["customer"] == "cus_known"
    assert "customer_email" not in request.fields


def test_checkout_of_a_price_without_a_stripe_id_says_what_staff_must_do(fake_stripe):
    with pytest.raises(PaymentError, match="Stripe price id"):
        payment_provider().checkout_url(
            memorial_id="m-1",
            provider_price_id="",
            quantity=1,
            payer_email="",
            customer_id="",
            success_url="http://testserver/done/",
            cancel_url="http://testserver/cancelled/",
        )
    assert fake_stripe.requests == []


def test_portal_session_for_a_known_customer(fake_stripe):
    sub = fake_stripe.subscription_make(memorial_id="m-1", price_id="price_preserve_year")
    url = payment_provider().portal_url(customer_id=sub["customer"], return_url="http://x/back/")
    assert url == f"{fake_stripe.url}/portal/{sub['customer']}"
    (request,) = fake_stripe.seen("POST", "billing_portal")
    assert request.fields == {"customer": sub["customer"], "return_url": "http://x/back/"}


def test_a_refused_request_is_a_plain_sentence(fake_stripe):
    with pytest.raises(PaymentError) as raised:
        payment_provider().portal_url(customer_id="cus_unknown", return_url="http://x/")
    assert (
        str(raised.value)
        == "Stripe could not go on with opening the billing portal: No such customer."
    )
    assert not isinstance(raised.value, PaymentUnavailable)


def test_subscription_read_takes_the_period_and_price_from_its_item(fake_stripe):
    made = fake_stripe.subscription_make(
        memorial_id="m-7", price_id="price_interactive_year", status="past_due", quantity=3
    )
    remote = payment_provider().subscription_read(made["id"])
    item = made["items"]["data"][0]
    assert remote.id == made["id"]
    assert remote.customer_id == made["customer"]
    assert remote.status == "past_due"
    assert remote.price_id == "price_interactive_year"
    assert remote.quantity == 3
    assert remote.memorial_id == "m-7"
    assert int(remote.period_start.timestamp()) == item["current_period_start"]
    assert int(remote.period_end.timestamp()) == item["current_period_end"]
    assert remote.cancel_at_period_end is False


def test_subscription_change_moves_its_item_with_proration(fake_stripe):
    made = fake_stripe.subscription_make(memorial_id="m-1", price_id="price_preserve_year")
    remote = payment_provider().subscription_change(
        subscription_id=made["id"], provider_price_id="price_interactive_year", quantity=1
    )
    assert remote.price_id == "price_interactive_year"
    (update,) = fake_stripe.seen("POST", f"^/v1/subscriptions/{made['id']}$")
    assert update.fields["proration_behavior"] == "create_prorations"
    assert update.fields["items"] == [
        {
            "id": made["items"]["data"][0]["id"],
            "price": "price_interactive_year",
            "quantity": "1",
        }
    ]


def test_subscription_cancel_at_period_end_or_at_once(fake_stripe):
    made = fake_stripe.subscription_make(memorial_id="m-1", price_id="price_preserve_year")
    later = payment_provider().subscription_cancel(subscription_id=made["id"], at_period_end=True)
    assert (later.status, later.cancel_at_period_end) == ("active", True)
    now = payment_provider().subscription_cancel(subscription_id=made["id"], at_period_end=False)
    assert now.status == "canceled"
    assert fake_stripe.seen("DELETE", made["id"])


def test_invoices_link_to_stripes_hosted_pages(fake_stripe):
    made = fake_stripe.subscription_make(memorial_id="m-1", price_id="price_interactive_year")
    fake_stripe.invoice_make(subscription=made)
    fake_stripe.invoice_make(subscription=made, status="open")
    invoices = payment_provider().invoices(customer_id=made["customer"])
    assert [i.status for i in invoices] == ["open", "paid"]
    assert invoices[1].amount_minor == 99900
    assert invoices[1].url == f"{fake_stripe.url}/invoice/{invoices[1].id}"
    assert payment_provider().invoices(customer_id="") == []


def test_stripe_down_is_worth_trying_again(fake_stripe):
    # given: Stripe fails every attempt the SDK makes (its own retries included)
    fake_stripe.fail_next(500, times=3)
    with pytest.raises(PaymentUnavailable, match="try again in a few minutes"):
        payment_provider().subscription_read("sub_any")
    assert len(fake_stripe.seen("GET", "sub_any")) == 3


def test_a_wrong_key_tells_staff_what_to_check(fake_stripe, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_wrong"
    payment_provider.cache_clear()
    with pytest.raises(PaymentError, match="STRIPE_SECRET_KEY"):
        payment_provider().subscription_read("sub_any")


def test_no_key_is_said_without_calling_stripe(fake_stripe, settings):
    settings.STRIPE_SECRET_KEY = ""
    payment_provider.cache_clear()
    with pytest.raises(PaymentError, match="not set up"):
        payment_provider().subscription_read("sub_any")
    assert fake_stripe.requests == []


def test_refund_last_refunds_the_last_paid_invoices_payment(fake_stripe):
    made = fake_stripe.subscription_make(memorial_id="m-1", price_id="price_interactive_year")
    fake_stripe.invoice_make(subscription=made)
    last = fake_stripe.invoice_make(subscription=made)
    fake_stripe.invoice_make(subscription=made, status="open")
    payment_provider().refund_last(subscription_id=made["id"])  # type: ignore[attr-defined]
    assert [r["payment_intent"] for r in fake_stripe.refunds] == [last["payment_intent_id"]]


def test_refund_last_without_a_paid_invoice_says_so(fake_stripe):
    made = fake_stripe.subscription_make(memorial_id="m-1", price_id="price_interactive_year")
    with pytest.raises(PaymentError, match="no paid invoice"):
        payment_provider().refund_last(subscription_id=made["id"])  # type: ignore[attr-defined]
    assert fake_stripe.refunds == []
