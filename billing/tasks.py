"""Background work for billing: the payment provider's webhook events, processed once each
(`billing.webhooks`), and the sweep that queues again any left unprocessed. Not about one
memorial when queued (the event names it only once read), so on `KernelTask`'s retries."""

from __future__ import annotations

from celery import shared_task

from billing.providers import PaymentUnavailable
from billing.webhooks import webhook_event_process, webhook_events_resume
from core.tasks import KernelTask


@shared_task(
    base=KernelTask,
    autoretry_for=(*KernelTask.autoretry_for, PaymentUnavailable),
)
def webhook_event_process_task(*, event_pk: int) -> bool:
    """Read the event's subscription from the provider and mirror it; safe to run twice."""
    return webhook_event_process(event_pk=event_pk)


@shared_task(base=KernelTask)
def webhook_events_resume_task() -> int:
    return webhook_events_resume()
