"""The audit log's daily checkpoint (Celery beat: settings.CELERY_BEAT_SCHEDULE).

Apart from core/tasks.py (the task bases): this task serves no memorial. Workers import it
through settings.CELERY_IMPORTS."""

from __future__ import annotations

from celery import shared_task

from core.audit import audit_checkpoint_sign
from core.tasks import KernelTask


@shared_task(base=KernelTask)
def audit_checkpoint_daily() -> int:
    """Sign the audit chain's head; the new checkpoint's id."""
    return audit_checkpoint_sign().pk
