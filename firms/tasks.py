"""The firms' background work: sending a firm's new seat count to the payment provider,
retried while the provider cannot be reached (`KernelTask`'s backoff)."""

from __future__ import annotations

from celery import shared_task

from billing.providers import PaymentUnavailable
from core.tasks import KernelTask
from firms.seats import firm_seats_push


@shared_task(
    base=KernelTask,
    autoretry_for=(*KernelTask.autoretry_for, PaymentUnavailable),
)
def firm_seats_push_task(*, firm_id: str) -> bool:
    """Send the firm's current seat count to the provider; safe to run twice."""
    return firm_seats_push(firm_id=firm_id)
