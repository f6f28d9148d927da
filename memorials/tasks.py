from __future__ import annotations

from typing import Any

from celery import shared_task

from core.events import memorial_event_broadcast
from core.tasks import KernelTask
from memorials.inactivity import inactivity_check
from memorials.sunset import sunset_check


@shared_task(base=KernelTask)
def memorial_event_send(memorial_id: str, kind: str, data: dict[str, Any]) -> None:
    """Push an event from background work to the memorial's open pages."""
    memorial_event_broadcast(memorial_id=memorial_id, kind=kind, data=data)


@shared_task(base=KernelTask)
def memorial_inactivity_check() -> dict[str, int]:
    """Daily (Celery beat): warn inactive subjects, then tell their stewards."""
    return inactivity_check()


@shared_task(base=KernelTask)
def memorial_sunset_check() -> dict[str, int]:
    """Daily (Celery beat): close memorials whose sunset has come; erase where wished."""
    return sunset_check()
