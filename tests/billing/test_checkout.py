"""From a plan to the provider's checkout and back: who may, what is written, what the
return page says; the offline provider's request for staff; the Customer Portal link."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from billing.checkout import checkout_state
from billing.models import Subscription, SubscriptionStatus
from billing.providers import payment_provider
from billing.webhooks import subscription_mirror
from core.audit import audit_events_for
from memorials.models import MemorialState
from tests.accounts.factories import UserFactory
from tests.billing import stripe_fixtures as fixtures

# the fixtures this module uses
fake_stripe = fixtures.fake_stripe
manual = fixtures.manual
family = fixtures.family
memorial = fixtures.memorial
plans_seeded = fixtures.plans_seeded
stripe_prices = fixtures.stripe_prices
subject = fixtures.subject

pytestmark = pytest.mark.django_db


def choose(client, memorial, price):
    return client.post(
        reverse("billing:checkout"), {"memorial": str(memorial.pk), "price": price.pk}
    )


def test_the_subject_goes_to_stripes_checkout_and_the_plan_waits_for_payment(
    client, fake_stripe, stripe_prices, memorial, subject
):
    client.force_login(subject)
    response = choose(client, memorial, stripe_prices["interactive_year"])
    # then: to the hosted checkout, which names the memorial and comes back to Legacy
    (session,) = fake_stripe.sessions.values()
    assert response.status_code == 302 and response["Location"] == session["url"]
    assert session["metadata"] == {"memorial_id": str(memorial.pk)}
    assert session["customer_email"] == subject.email
    assert session["success_url"] == f"http://testserver/billing/{memorial.pk}/checkout/done/"
    assert session["cancel_url"] == f"http://testserver/billing/{memorial.pk}/checkout/cancelled/"
    # and: nothing is paid until Stripe says so
    sub = Subscription.objects.get(memorial=memorial)
    assert (sub.status, sub.plan.code, sub.payer) == ("incomplete", "interactive", subject)
    assert checkout_state(memorial_id=memorial.pk).confirmed is False
    actions = [e.action for e in audit_events_for(memorial_id=memorial.pk)]
    assert actions.count("billing.checkout_started") == 1


def test_a_second_checkout_reuses_the_stripe_customer(
    client, fake_stripe, stripe_prices, memorial, subject
):
    Subscription.objects.create(
        memorial=memorial,
        plan=stripe_prices["preserve_year"].plan,
        provider="stripe",
        provider_customer_id="cus_before",
        status=SubscriptionStatus.CANCELED,
    )
    client.force_login(subject)
    choose(client, memorial, stripe_prices["preserve_year"])
    (session,) = fake_stripe.sessions.values()
    assert session["customer"] == "cus_before"


def test_family_cannot_choose_while_the_subject_lives(
    client, fake_stripe, stripe_prices, memorial, family
):
    client.force_login(family)
    response = choose(client, memorial, stripe_prices["preserve_year"])
    assert response["Location"] == reverse("billing:pricing")
    assert fake_stripe.requests == []
    assert not Subscription.objects.filter(memorial=memorial).exists()


def test_after_death_the_family_may_keep_it_going(
    client, fake_stripe, stripe_prices, memorial, family
):
    memorial.state = MemorialState.ACTIVE
    memorial.save(update_fields=["state"])
    client.force_login(family)
    choose(client, memorial, stripe_prices["preserve_year"])
    assert Subscription.objects.get(memorial=memorial).payer == family


def test_a_stranger_gets_not_found(client, fake_stripe, stripe_prices, memorial):
    client.force_login(UserFactory())
    assert choose(client, memorial, stripe_prices["preserve_year"]).status_code == 404
    assert (
        client.post(reverse("billing:checkout"), {"memorial": "nope", "price": 1}).status_code
        == 404
    )


def test_a_live_subscription_is_changed_on_the_billing_page_not_bought_twice(
    client, fake_stripe, stripe_prices, memorial, subject
):
    Subscription.objects.create(
        memorial=memorial,
        plan=stripe_prices["preserve_year"].plan,
        provider="stripe",
        status=SubscriptionStatus.ACTIVE,
    )
    client.force_login(subject)
    response = choose(client, memorial, stripe_prices["interactive_year"])
    assert response["Location"] == reverse("billing:memorial", kwargs={"memorial_id": memorial.pk})
    assert fake_stripe.requests == []
    assert Subscription.objects.get(memorial=memorial).plan.code == "preserve"


def test_the_return_page_waits_then_shows_the_plan_once_stripe_confirms(
    client, fake_stripe, stripe_prices, memorial, subject
):
    client.force_login(subject)
    choose(client, memorial, stripe_prices["interactive_year"])
    page = client.get(reverse("billing:checkout_return", kwargs={"memorial_id": memorial.pk}))
    assert "We are confirming your payment" in page.content.decode()
    state_url = reverse("billing:checkout_state", kwargs={"memorial_id": memorial.pk})
    assert client.get(state_url).json()["confirmed"] is False
    # when: the webhook's task mirrors what Stripe holds
    (session,) = fake_stripe.sessions.values()
    fake_stripe.pay(session["id"])
    (sub,) = fake_stripe.subscriptions.values()
    subscription_mirror(remote=payment_provider().subscription_read(sub["id"]))
    # then
    assert client.get(state_url).json() == {
        "confirmed": True,
        "plan": "Interactive",
        "status": "active",
        "status_label": "Active",
    }
    assert (
        "Your payment is confirmed"
        in client.get(
            reverse("billing:checkout_return", kwargs={"memorial_id": memorial.pk})
        ).content.decode()
    )


def test_leaving_the_checkout_changes_nothing(client, memorial, subject):
    client.force_login(subject)
    page = client.get(reverse("billing:checkout_cancelled", kwargs={"memorial_id": memorial.pk}))
    assert "Nothing was charged" in page.content.decode()


def test_the_offline_provider_asks_staff_and_moves_no_money(
    client, manual, stripe_prices, memorial, subject, django_capture_on_commit_callbacks
):
    staff = UserFactory(is_staff=True)
    client.force_login(subject)
    price = stripe_prices["preserve_year"]
    # when: the subject chooses a plan
    response = choose(client, memorial, price)
    # then: a page of this server, which says plainly that no money moves here
    assert response["Location"].startswith(
        reverse("billing:manual_request", kwargs={"memorial_id": memorial.pk})
    )
    page = client.get(response["Location"]).content.decode()
    assert "No payment account: Legacy&#x27;s staff mark a plan paid" in page
    assert not Subscription.objects.filter(memorial=memorial).exists()
    # when: they send the request
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(response["Location"], {"price": price.pk})
    # then: recorded for staff, who are told
    assert done["Location"] == reverse(
        "billing:checkout_return", kwargs={"memorial_id": memorial.pk}
    )
    sub = Subscription.objects.get(memorial=memorial)
    assert (sub.provider, sub.status, sub.plan.code, sub.payer) == (
        "manual",
        "incomplete",
        "preserve",
        subject,
    )
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert f"/admin/billing/subscription/{sub.pk}/change/" in mail.outbox[0].body
    assert "billing.plan_requested" in [e.action for e in audit_events_for(memorial_id=memorial.pk)]
    assert "is with Legacy's staff" in client.get(done["Location"]).content.decode()


def test_the_portal_sends_the_payer_to_stripe(
    client, fake_stripe, stripe_prices, memorial, subject
):
    made = fake_stripe.subscription_make(
        memorial_id=str(memorial.pk), price_id="price_preserve_year"
    )
    Subscription.objects.create(
        memorial=memorial,
        plan=stripe_prices["preserve_year"].plan,
        payer=subject,
        provider="stripe",
        provider_customer_id=made["customer"],
        provider_subscription_id=made["id"],
        status=SubscriptionStatus.ACTIVE,
    )
    client.force_login(subject)
    response = client.post(reverse("billing:portal", kwargs={"memorial_id": memorial.pk}))
    assert response["Location"] == f"{fake_stripe.url}/portal/{made['customer']}"
    (request,) = fake_stripe.seen("POST", "billing_portal")
    assert request.fields["return_url"] == f"http://testserver{memorial.get_absolute_url()}"


def test_only_the_payer_reaches_the_portal(client, fake_stripe, stripe_prices, memorial, subject):
    memorial.state = MemorialState.ACTIVE
    memorial.save(update_fields=["state"])
    Subscription.objects.create(
        memorial=memorial,
        plan=stripe_prices["preserve_year"].plan,
        payer=subject,
        provider="stripe",
        provider_customer_id="cus_1",
        status=SubscriptionStatus.ACTIVE,
    )
    other = UserFactory()
    from tests.memorials.factories import MembershipFactory

    MembershipFactory(memorial=memorial, user=other)
    client.force_login(other)
    response = client.post(reverse("billing:portal", kwargs={"memorial_id": memorial.pk}))
    assert response["Location"] == memorial.get_absolute_url()
    assert fake_stripe.requests == []


def test_the_payers_billing_page_has_the_way_to_stripes_portal(
    client, fake_stripe, stripe_prices, memorial, subject
):
    Subscription.objects.create(
        memorial=memorial,
        plan=stripe_prices["preserve_year"].plan,
        payer=subject,
        provider="stripe",
        provider_customer_id="cus_1",
        status=SubscriptionStatus.ACTIVE,
    )
    client.force_login(subject)
    page = client.get(reverse("billing:memorial", kwargs={"memorial_id": memorial.pk}))
    portal = reverse("billing:portal", kwargs={"memorial_id": memorial.pk})
    assert f'action="{portal}"' in page.content.decode()
    # the form may end on Stripe's pages (the Content-Security-Policy allows it)
    (form_action,) = [
        part for part in page["Content-Security-Policy"].split(";") if "form-action" in part
    ]
    assert all(origin in form_action for origin in payment_provider().page_origins)
