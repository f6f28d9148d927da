"""The firm webhooks' delivery task (listed in CELERY_IMPORTS): one attempt a run, retried
with exponential backoff and jitter until delivered or given up (`firms.webhooks`)."""

from __future__ import annotations

from celery import shared_task

from core.tasks import KernelTask
from firms.webhooks import webhook_deliver


@shared_task(base=KernelTask, max_retries=None, retry_backoff=30, retry_backoff_max=3600)
def webhook_deliver_task(*, delivery_id: str) -> str:
    """Deliver one webhook; WebhookDeliveryFailed (a TransientError) retries it. The number of
    attempts is counted on the delivery, which gives up by itself, so retries end."""
    return webhook_deliver(delivery_id=delivery_id)
