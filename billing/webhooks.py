"""The payment provider's webhooks: received fast, processed once, in any order.

`webhook_receive` verifies the event (the provider's signature check; WebhookRejected when it
is missing or wrong), stores its id once (`WebhookEvent`: a replay finds the row and changes
nothing) and queues its processing after commit. `webhook_event_process`, run by a task with
retries, reads the subscription's CURRENT state from the provider rather than trusting what
the event says or the order events arrive in, and mirrors it on the memorial's subscription.
Only ids and kinds are stored, never what the event carried.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import current_app
from django.db import transaction
from django.utils import timezone

from billing.checkout import LIVE_STATUSES
from billing.models import Price, Subscription, WebhookEvent
from billing.providers import PaymentError, ProviderEvent, RemoteSubscription, payment_provider
from billing.services import subscription_status_apply
from billing.sponsors import sponsor_subscription_mirror
from memorials.models import Memorial, MemorialState

logger = logging.getLogger(__name__)

PROCESS_TASK = "billing.tasks.webhook_event_process_task"

# The events Legacy listens to; each only tells it which subscription to read again.
HANDLED_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.paid",
        "invoice.payment_failed",
    }
)


def event_subscription_id(event: ProviderEvent) -> str:
    """The id of the subscription an event is about ('' if none: a one-off invoice, a
    checkout that made no subscription)."""
    obj: dict[str, Any] = event.data
    if event.kind.startswith("customer.subscription."):
        return event.object_id
    if event.kind == "checkout.session.completed":
        return _ref(obj.get("subscription"))
    if event.kind.startswith("invoice."):
        details = (obj.get("parent") or {}).get("subscription_details") or {}
        return _ref(details.get("subscription") or obj.get("subscription"))
    return ""


def _ref(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def webhook_receive(*, payload: bytes, signature: str) -> tuple[WebhookEvent | None, bool]:
    """Verify and store one event; queue its processing if it is new. Returns the stored row
    (None for a kind Legacy does not listen to) and whether it was new."""
    provider = payment_provider()
    event = provider.webhook_event(payload=payload, signature=signature)
    if event.kind not in HANDLED_EVENTS or not event.id:
        return None, False
    with transaction.atomic():
        row, created = WebhookEvent.objects.get_or_create(
            provider=provider.name,
            event_id=event.id,
            defaults={"kind": event.kind, "object_id": event_subscription_id(event)},
        )
        if created:
            webhook_process_on_commit(event_pk=row.pk)
    return row, created


def webhook_process_on_commit(*, event_pk: int) -> None:
    """Queue the processing of a stored event once the transaction commits. If the broker is
    down the row stays unprocessed and `webhook_events_resume` queues it again."""
    transaction.on_commit(lambda: _queue(event_pk))


def _queue(event_pk: int) -> None:
    try:  # by name: the task (billing.tasks) is the one that imports this module
        current_app.send_task(PROCESS_TASK, kwargs={"event_pk": event_pk})
    except Exception:
        logger.exception("could not queue webhook event %s", event_pk)


def webhook_event_process(*, event_pk: int) -> bool:
    """Process one stored event once: read its subscription's current state from the
    provider and mirror it. True if this call processed it; False if it was done already.
    PaymentError (from reading) leaves it unprocessed, with the error noted, for a retry."""
    row = WebhookEvent.objects.filter(pk=event_pk).first()
    if row is None or row.processed_at is not None:
        return False
    remote: RemoteSubscription | None = None
    if row.object_id:
        try:
            remote = payment_provider().subscription_read(row.object_id)
        except PaymentError as error:
            WebhookEvent.objects.filter(pk=row.pk).update(
                attempts=row.attempts + 1, last_error=str(error)[:500]
            )
            raise
    with transaction.atomic():
        row = WebhookEvent.objects.select_for_update().get(pk=event_pk)
        if row.processed_at is not None:
            return False
        if remote is not None and not sponsor_subscription_mirror(remote):
            subscription_mirror(remote=remote)
        row.processed_at = timezone.now()
        row.attempts += 1
        row.last_error = ""
        row.save(update_fields=["processed_at", "attempts", "last_error"])
    return True


def webhook_events_resume(*, older_than_s: int = 300) -> int:
    """Queue again every stored event still unprocessed after `older_than_s` (its task was
    lost, or ran out of retries while the provider was down). Returns how many."""
    since = timezone.now() - timedelta(seconds=older_than_s)
    pks = list(
        WebhookEvent.objects.filter(processed_at__isnull=True, received_at__lte=since)
        .order_by("received_at")
        .values_list("pk", flat=True)[:500]
    )
    for pk in pks:
        _queue(pk)
    return len(pks)


def _local_for(remote: RemoteSubscription) -> Subscription | None:
    """The memorial's subscription this remote one belongs to, made if the memorial has none;
    None when the memorial is unknown or erased, or when the memorial has moved on to another
    live subscription (an old one's late events then change nothing)."""
    found = (
        Subscription.objects.select_for_update()
        .filter(provider="stripe", provider_subscription_id=remote.id)
        .first()
    )
    if found is not None:
        return found
    memorial = (
        Memorial.objects.filter(pk=remote.memorial_id).exclude(state=MemorialState.ERASED).first()
        if remote.memorial_id
        else None
    )
    if memorial is None:
        logger.warning("subscription %s names no memorial Legacy knows", remote.id)
        return None
    sub = Subscription.objects.select_for_update().filter(memorial=memorial).first()
    remote_live = remote.status in LIVE_STATUSES
    if sub is None:
        price = _price_for(remote)
        if price is None:
            logger.warning("subscription %s has a price Legacy does not know", remote.id)
            return None
        return Subscription.objects.create(
            memorial=memorial,
            plan=price.plan,
            price=price,
            provider="stripe",
            provider_customer_id=remote.customer_id,
            provider_subscription_id=remote.id,
        )
    if sub.provider_subscription_id and (sub.status in LIVE_STATUSES or not remote_live):
        return None  # the memorial's current subscription is another one
    sub.provider = "stripe"
    sub.provider_subscription_id = remote.id
    sub.provider_customer_id = remote.customer_id or sub.provider_customer_id
    sub.save(
        update_fields=[
            "provider",
            "provider_subscription_id",
            "provider_customer_id",
            "updated_at",
        ]
    )
    return sub


def _price_for(remote: RemoteSubscription) -> Price | None:
    if not remote.price_id:
        return None
    return (
        Price.objects.select_related("plan")
        .filter(provider_price_id=remote.price_id)
        .order_by("-active")
        .first()
    )


def subscription_mirror(*, remote: RemoteSubscription) -> Subscription | None:
    """Mirror the provider's current state of a subscription on the memorial's own: status
    (trialing, active, past_due, canceled, unpaid, incomplete), period, seats, cancellation
    at the period's end, and the plan its price belongs to. The grace after a failed payment,
    the audit and the notices are `billing.services.subscription_status_apply`'s."""
    with transaction.atomic():
        sub = _local_for(remote)
        if sub is None:
            return None
        if remote.customer_id and sub.provider_customer_id != remote.customer_id:
            sub.provider_customer_id = remote.customer_id
            sub.save(update_fields=["provider_customer_id", "updated_at"])
        return subscription_status_apply(
            sub,
            remote.status,
            period_start=remote.period_start,
            period_end=remote.period_end,
            cancel_at_period_end=remote.cancel_at_period_end,
            price=_price_for(remote),
            quantity=remote.quantity,
        )
