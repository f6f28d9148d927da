"""Billing's background work: the daily grace sweep (Celery beat), and the payment provider's
webhook events, processed once each (`billing.webhooks`) with the sweep that queues again any
left unprocessed. None is about one memorial when queued, so all are on `KernelTask`'s
retries."""

from __future__ import annotations

from celery import shared_task

from billing.providers import PaymentUnavailable
from billing.services import subscription_grace_end, subscriptions_manual_overdue
from billing.webhooks import webhook_event_process, webhook_events_resume
from core.tasks import KernelTask


@shared_task(base=KernelTask)
def billing_grace_check() -> dict[str, int]:
    """Daily (Celery beat): manual subscriptions past their paid period start their grace;
    those whose grace has run out fall back to the free plan (nothing deleted)."""
    return {"overdue": subscriptions_manual_overdue(), "lapsed": subscription_grace_end()}


@shared_task(
    base=KernelTask,
    autoretry_for=(*KernelTask.autoretry_for, PaymentUnavailable),
)
def webhook_event_process_task(*, event_pk: int) -> bool:
    """Read the event's subscription from the provider and mirror it; safe to run twice."""
    return webhook_event_process(event_pk=event_pk)


@shared_task(base=KernelTask)
def webhook_events_resume_task() -> int:
    """Every 10 minutes (Celery beat): queue again the events left unprocessed."""
    return webhook_events_resume()
