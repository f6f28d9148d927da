"""The memorials' daily sweeps (Celery beat)."""

from __future__ import annotations

from celery import shared_task

from core.tasks import KernelTask
from memorials.inactivity import inactivity_check
from memorials.sunset import sunset_check


@shared_task(base=KernelTask)
def memorial_inactivity_check() -> dict[str, int]:
    """Daily (Celery beat): warn inactive subjects, then tell their stewards."""
    return inactivity_check()


@shared_task(base=KernelTask)
def memorial_sunset_check() -> dict[str, int]:
    """Daily (Celery beat): close memorials whose sunset has come; erase where wished."""
    return sunset_check()
