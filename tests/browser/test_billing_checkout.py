"""From the pricing page through a (fake) Stripe checkout back to an upgraded memorial, in a
real browser at a phone's size. The fake Stripe's checkout page "pays", then sends the signed
webhooks to this server a moment later; the return page waits for them and updates."""

from __future__ import annotations

import pytest

from billing import webhooks
from billing.models import Price, Subscription, WebhookEvent
from tests.accounts.factories import PASSWORD
from tests.billing import stripe_fixtures as fixtures
from tests.memorials.factories import MemorialFactory

# the fixtures this module uses
fake_stripe = fixtures.fake_stripe
plans_seeded = fixtures.plans_seeded


@pytest.fixture
def processed_inline(monkeypatch):
    """The live server runs in this process with no Celery worker: a stored event is
    processed as its task would, in a thread of its own (the webhook still answers first).
    The task through a real worker is tested in tests/billing/test_webhooks.py."""
    import threading

    def queue(event_pk: int) -> None:
        threading.Thread(
            target=webhooks.webhook_event_process, kwargs={"event_pk": event_pk}
        ).start()

    monkeypatch.setattr(webhooks, "_queue", queue)


def test_pricing_to_checkout_and_back_to_an_upgraded_memorial(
    page,
    live_server,
    fake_stripe,
    processed_inline,
):
    # given: the paid prices are known to Stripe, and a subject on the free plan
    for price in Price.objects.filter(active=True).select_related("plan"):
        price.provider_price_id = f"price_{price.plan.code}_{price.interval}"
        price.save(update_fields=["provider_price_id"])
    fake_stripe.webhook_url = f"{live_server.url}/billing/stripe/webhook/"
    fake_stripe.webhook_delay_s = 1.5
    memorial = MemorialFactory(name="Ada Lovelace")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(memorial.subject.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Your Legacy").or_(
        page.get_by_role("link", name="Ada Lovelace")
    ).first.wait_for()

    # when: they open the pricing page from the footer and choose Interactive, yearly
    page.goto(live_server.url + "/")
    page.get_by_role("contentinfo").get_by_role("link", name="Plans and prices").click()
    page.get_by_role("heading", name="Plans and prices").wait_for()
    page.get_by_text("Stripe: you pay on Stripe's own secure pages").wait_for()
    page.get_by_role("button", name="Choose Interactive yearly").click()

    # then: they are on (the fake) Stripe's hosted checkout; when they pay there
    page.get_by_role("heading", name="Fake Stripe checkout").wait_for()
    page.get_by_role("button", name="Pay").click()

    # then: back on Legacy, which waits for Stripe's word, then shows the plan
    page.get_by_text("We are confirming your payment").wait_for()
    page.get_by_text("Your payment is confirmed").wait_for(timeout=30_000)
    assert page.locator("#checkout-plan").inner_text() == "Interactive"
    page.get_by_role("link", name="Back to Ada Lovelace's Legacy").click()
    page.get_by_role("heading", name="Plan: Interactive").wait_for()

    # and: from the return page, the payer reaches Stripe's Customer Portal
    page.go_back()
    page.get_by_role("button", name="Change card or see receipts on Stripe").click()
    page.get_by_role("heading", name="Fake Stripe portal").wait_for()

    sub = Subscription.objects.get(memorial=memorial)
    assert (sub.plan.code, sub.status, sub.payer) == ("interactive", "active", memorial.subject)
    assert fake_stripe.webhook_answers == [200, 200, 200]
    assert WebhookEvent.objects.filter(processed_at__isnull=False).count() == 3
