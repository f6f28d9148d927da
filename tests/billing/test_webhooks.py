"""Stripe's webhooks: signature checked, each event stored and processed once, the state read
from Stripe as it is now (so order does not matter), the work done by a task."""

from __future__ import annotations

import time

import pytest

from billing.models import Subscription, SubscriptionStatus, WebhookEvent
from billing.webhooks import webhook_event_process, webhook_events_resume
from tests.billing import stripe_fixtures as fixtures
from tests.billing.fake_stripe import WEBHOOK_SECRET, signature
from tests.conftest import celery_worker_start, celery_worker_stop

# the fixtures this module uses
fake_stripe = fixtures.fake_stripe
memorial = fixtures.memorial
plans_seeded = fixtures.plans_seeded
stripe_prices = fixtures.stripe_prices
subject = fixtures.subject

pytestmark = pytest.mark.django_db

URL = "/billing/stripe/webhook/"


@pytest.fixture
def queued(monkeypatch):
    """The event pks queued for processing (no worker here: the tests run them)."""
    sent: list[int] = []
    monkeypatch.setattr("billing.webhooks._queue", sent.append)
    return sent


def post(client, payload: bytes, sig: str | None):
    headers = {} if sig is None else {"HTTP_STRIPE_SIGNATURE": sig}
    return client.post(URL, data=payload, content_type="application/json", **headers)


def test_a_valid_event_is_stored_answered_and_mirrored_by_its_task(
    client, fake_stripe, stripe_prices, memorial, queued, django_capture_on_commit_callbacks
):
    # given: Stripe holds an active Interactive subscription for the memorial
    sub = fake_stripe.subscription_make(
        memorial_id=str(memorial.pk), price_id="price_interactive_year"
    )
    payload = fake_stripe.event("customer.subscription.created", sub, event_id="evt_1")
    # when: the webhook arrives
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, payload, signature(payload))
    # then: it is answered at once, stored, and queued; nothing is mirrored yet
    assert response.status_code == 200
    event = WebhookEvent.objects.get(event_id="evt_1")
    assert (event.kind, event.object_id, event.processed_at) == (
        "customer.subscription.created",
        sub["id"],
        None,
    )
    assert queued == [event.pk]
    assert not Subscription.objects.filter(memorial=memorial).exists()
    # when: its task runs
    assert webhook_event_process(event_pk=event.pk) is True
    # then: the memorial is on Interactive, as Stripe holds it
    local = Subscription.objects.get(memorial=memorial)
    assert (local.plan.code, local.status, local.provider) == ("interactive", "active", "stripe")
    assert (local.provider_subscription_id, local.provider_customer_id) == (
        sub["id"],
        sub["customer"],
    )
    assert local.price == stripe_prices["interactive_year"]
    assert int(local.period_end.timestamp()) == sub["items"]["data"][0]["current_period_end"]
    event.refresh_from_db()
    assert event.processed_at is not None and event.attempts == 1


@pytest.mark.parametrize(
    "sig",
    [
        None,
        "",
        signature(b"{}"),  # signs another body
        "t=1,v1=deadbeef",
        "garbage",
    ],
    ids=["missing", "empty", "other-body", "forged", "garbage"],
)
def test_a_missing_or_bad_signature_is_refused_and_nothing_stored(
    client, fake_stripe, memorial, queued, sig
):
    payload = fake_stripe.event("invoice.paid", {"id": "in_1"}, event_id="evt_bad")
    response = post(client, payload, sig)
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert queued == []


def test_an_event_signed_with_another_secret_or_too_old_is_refused(client, fake_stripe, queued):
    payload = fake_stripe.event("invoice.paid", {"id": "in_1"})
    assert post(client, payload, signature(payload, secret="whsec_other")).status_code == 400
    stale = signature(payload, secret=WEBHOOK_SECRET, at=int(time.time()) - 3600)
    assert post(client, payload, stale).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_replayed_event_changes_nothing(
    client, fake_stripe, stripe_prices, memorial, queued, django_capture_on_commit_callbacks
):
    sub = fake_stripe.subscription_make(
        memorial_id=str(memorial.pk), price_id="price_preserve_year"
    )
    payload = fake_stripe.event("customer.subscription.updated", sub, event_id="evt_again")
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, payload, signature(payload)).status_code == 200
    (event,) = WebhookEvent.objects.all()
    webhook_event_process(event_pk=event.pk)
    before = Subscription.objects.get(memorial=memorial)
    # given: Stripe's subscription has moved on since (so a second processing would show)
    fake_stripe.subscriptions[sub["id"]]["status"] = "past_due"
    # when: Stripe sends the same event again
    with django_capture_on_commit_callbacks(execute=True):
        again = post(client, payload, signature(payload))
    # then: answered 200, not stored nor queued again, and the task would not redo it
    assert again.status_code == 200 and again.json()["new"] is False
    assert WebhookEvent.objects.count() == 1
    assert queued == [event.pk]
    assert webhook_event_process(event_pk=event.pk) is False
    after = Subscription.objects.get(memorial=memorial)
    assert (after.status, after.updated_at) == (before.status, before.updated_at)
    assert len(fake_stripe.seen("GET", sub["id"])) == 1


def test_events_out_of_order_leave_the_state_stripe_holds_now(
    client, fake_stripe, stripe_prices, memorial, queued, django_capture_on_commit_callbacks
):
    # given: the payment failed, then was paid; Stripe's subscription is active now
    sub = fake_stripe.subscription_make(
        memorial_id=str(memorial.pk), price_id="price_preserve_year"
    )
    failed = fake_stripe.event(
        "invoice.payment_failed", fake_stripe.invoice_make(subscription=sub, status="open")
    )
    paid = fake_stripe.event("invoice.paid", fake_stripe.invoice_make(subscription=sub))
    updated_past_due = fake_stripe.event(
        "customer.subscription.updated", {**sub, "status": "past_due"}
    )
    # when: they arrive newest first, the old ones last
    with django_capture_on_commit_callbacks(execute=True):
        for payload in (paid, updated_past_due, failed):
            assert post(client, payload, signature(payload)).status_code == 200
    for pk in queued:
        webhook_event_process(event_pk=pk)
    # then: the memorial is active, with no grace begun, whatever the late events said
    local = Subscription.objects.get(memorial=memorial)
    assert local.status == SubscriptionStatus.ACTIVE
    assert local.grace_until is None
    assert WebhookEvent.objects.filter(processed_at__isnull=False).count() == 3


def test_a_failed_payment_is_mirrored_as_past_due_with_grace(
    client, fake_stripe, stripe_prices, memorial, queued, django_capture_on_commit_callbacks
):
    sub = fake_stripe.subscription_make(
        memorial_id=str(memorial.pk), price_id="price_interactive_year"
    )
    fake_stripe.subscriptions[sub["id"]]["status"] = "past_due"
    payload = fake_stripe.event(
        "invoice.payment_failed", fake_stripe.invoice_make(subscription=sub, status="open")
    )
    with django_capture_on_commit_callbacks(execute=True):
        post(client, payload, signature(payload))
    webhook_event_process(event_pk=queued[0])
    local = Subscription.objects.get(memorial=memorial)
    assert local.status == SubscriptionStatus.PAST_DUE
    assert local.grace_until is not None
    assert local.plan.code == "interactive"  # kept through the grace


@pytest.mark.parametrize("status", ["trialing", "active", "past_due", "canceled", "unpaid"])
def test_each_stripe_status_is_mirrored(
    fake_stripe, stripe_prices, memorial, status, queued, client, django_capture_on_commit_callbacks
):
    sub = fake_stripe.subscription_make(
        memorial_id=str(memorial.pk), price_id="price_preserve_month", status=status
    )
    payload = fake_stripe.event("customer.subscription.updated", sub)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, payload, signature(payload))
    webhook_event_process(event_pk=queued[0])
    assert Subscription.objects.get(memorial=memorial).status == status


def test_a_checkout_completion_links_the_waiting_subscription(
    client,
    fake_stripe,
    stripe_prices,
    memorial,
    subject,
    queued,
    django_capture_on_commit_callbacks,
):
    # given: the subject went to checkout (the subscription waits for its first payment)
    Subscription.objects.create(
        memorial=memorial,
        plan=stripe_prices["preserve_year"].plan,
        price=stripe_prices["preserve_year"],
        payer=subject,
        provider="stripe",
        status=SubscriptionStatus.INCOMPLETE,
    )
    sub = fake_stripe.subscription_make(
        memorial_id=str(memorial.pk), price_id="price_preserve_year"
    )
    session = {
        "id": "cs_1",
        "object": "checkout.session",
        "subscription": sub["id"],
        "metadata": {"memorial_id": str(memorial.pk)},
    }
    payload = fake_stripe.event("checkout.session.completed", session)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, payload, signature(payload))
    assert WebhookEvent.objects.get().object_id == sub["id"]
    webhook_event_process(event_pk=queued[0])
    local = Subscription.objects.get(memorial=memorial)
    assert (local.status, local.payer, local.provider_subscription_id) == (
        "active",
        subject,
        sub["id"],
    )


def test_an_old_subscriptions_late_event_leaves_the_new_one_alone(
    fake_stripe, stripe_prices, memorial, queued, client, django_capture_on_commit_callbacks
):
    # given: the memorial's live subscription is a new one; an old one was cancelled
    old = fake_stripe.subscription_make(
        memorial_id=str(memorial.pk), price_id="price_preserve_year", status="canceled"
    )
    new = fake_stripe.subscription_make(
        memorial_id=str(memorial.pk), price_id="price_interactive_year"
    )
    with django_capture_on_commit_callbacks(execute=True):
        for obj, kind in (
            (new, "customer.subscription.created"),
            (old, "customer.subscription.deleted"),
        ):
            payload = fake_stripe.event(kind, obj)
            post(client, payload, signature(payload))
    for pk in queued:
        webhook_event_process(event_pk=pk)
    local = Subscription.objects.get(memorial=memorial)
    assert (local.provider_subscription_id, local.status, local.plan.code) == (
        new["id"],
        "active",
        "interactive",
    )


def test_stripe_down_leaves_the_event_for_a_retry(
    fake_stripe, stripe_prices, memorial, queued, client, django_capture_on_commit_callbacks
):
    from billing.providers import PaymentUnavailable

    sub = fake_stripe.subscription_make(
        memorial_id=str(memorial.pk), price_id="price_preserve_year"
    )
    payload = fake_stripe.event("customer.subscription.created", sub)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, payload, signature(payload))
    fake_stripe.fail_next(503, times=3)
    with pytest.raises(PaymentUnavailable):
        webhook_event_process(event_pk=queued[0])
    event = WebhookEvent.objects.get()
    assert (
        event.processed_at is None
        and event.attempts == 1
        and "Stripe could not be reached" in event.last_error
    )
    # when: the retry comes
    assert webhook_event_process(event_pk=queued[0]) is True
    assert Subscription.objects.get(memorial=memorial).status == "active"


def test_events_left_unprocessed_are_queued_again(fake_stripe, queued):
    WebhookEvent.objects.create(provider="stripe", event_id="evt_lost", kind="invoice.paid")
    WebhookEvent.objects.filter(event_id="evt_lost").update(received_at="2020-01-01T00:00Z")
    WebhookEvent.objects.create(provider="stripe", event_id="evt_fresh", kind="invoice.paid")
    assert webhook_events_resume() == 1
    assert queued == [WebhookEvent.objects.get(event_id="evt_lost").pk]


def test_kinds_legacy_does_not_listen_to_are_answered_not_stored(client, fake_stripe, queued):
    payload = fake_stripe.event("charge.refunded", {"id": "ch_1"})
    assert post(client, payload, signature(payload)).status_code == 200
    assert not WebhookEvent.objects.exists()


def test_without_stripe_there_is_no_webhook(client, settings):
    from billing.providers import payment_provider

    settings.LEGACY_PAYMENT_PROVIDER = "manual"
    payment_provider.cache_clear()
    assert client.post(URL, data=b"{}", content_type="application/json").status_code == 404
    assert client.get(URL).status_code == 405


def test_the_task_runs_in_a_real_worker(
    transactional_db, client, fake_stripe, stripe_prices, memorial
):
    # given: a worker that talks to the same fake Stripe
    worker = celery_worker_start(
        env={
            "LEGACY_PAYMENT_PROVIDER": "stripe",
            "STRIPE_SECRET_KEY": "sk_test_fake_legacy",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": fake_stripe.url,
        }
    )
    try:
        sub = fake_stripe.subscription_make(
            memorial_id=str(memorial.pk), price_id="price_interactive_month"
        )
        payload = fake_stripe.event("customer.subscription.created", sub)
        # when: the webhook arrives
        assert post(client, payload, signature(payload)).status_code == 200
        # then: the worker mirrors it
        deadline = time.monotonic() + 60
        while not WebhookEvent.objects.filter(processed_at__isnull=False).exists():
            assert time.monotonic() < deadline, "the worker did not process the event"
            time.sleep(0.2)
    finally:
        celery_worker_stop(worker)
    assert Subscription.objects.get(memorial=memorial).plan.code == "interactive"
