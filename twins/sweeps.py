"""Scheduled work that queues twin builds (in CELERY_IMPORTS; run by beat)."""

from __future__ import annotations

from celery import shared_task

from core.tasks import KernelTask
from twins.services import versions


@shared_task(base=KernelTask)
def twin_builds_resume() -> None:
    """Queue again the builds whose worker died (every few minutes)."""
    versions.twin_builds_requeue()


@shared_task(base=KernelTask)
def twins_stale_rebuild() -> None:
    """Rebuild every twin whose writing changed since its last build (nightly)."""
    versions.twins_stale_rebuild()
