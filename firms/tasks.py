"""The firms' background work: the nightly status sweep, and applying a large client import."""

from __future__ import annotations

from celery import shared_task

from core.tasks import KernelTask
from firms.status import client_status_sweep


@shared_task(base=KernelTask)
def firm_client_status_sweep() -> int:
    """Nightly (Celery beat): refresh every live client's status columns (a catch-all for a
    change no receiver saw). Safe to run twice."""
    return client_status_sweep()
