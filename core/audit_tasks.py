"""The audit log's daily checkpoint (Celery beat: settings.CELERY_BEAT_SCHEDULE).

Apart from core/tasks.py (consent-bound memorial work): this task serves no memorial.
`CoreConfig.ready` imports it, so workers register it."""

from __future__ import annotations

from celery import shared_task

from core.audit import audit_checkpoint_sign


@shared_task(acks_late=True)
def audit_checkpoint_daily() -> int:
    """Sign the audit chain's head; the new checkpoint's id."""
    return audit_checkpoint_sign().pk
