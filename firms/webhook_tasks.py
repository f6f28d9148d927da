"""The firm webhooks' tasks (listed in CELERY_IMPORTS): one delivery attempt a run, retried
at the delivery's own backoff until delivered or given up, and the beat sweep that queues
again the deliveries whose task was lost (`firms.webhooks`)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from core.tasks import KernelTask
from firms.webhooks import WebhookDeliveryFailed, webhook_deliver, webhook_deliveries_resume


@shared_task(bind=True, base=KernelTask, max_retries=None)
def webhook_deliver_task(self: Any, *, delivery_id: str) -> str:
    """Deliver one webhook; a failed attempt is retried when the delivery says it is next
    due. The number of attempts is counted on the delivery, which gives up by itself, so
    retries end."""
    try:
        return webhook_deliver(delivery_id=delivery_id)
    except WebhookDeliveryFailed as failed:
        raise self.retry(countdown=failed.retry_in_s, exc=failed) from failed


@shared_task(base=KernelTask)
def webhook_deliveries_resume_task() -> int:
    """Every few minutes (Celery beat): queue again the deliveries whose task was lost."""
    return webhook_deliveries_resume()
