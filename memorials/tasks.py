from __future__ import annotations

from typing import Any

from celery import shared_task

from memorials.events import memorial_event_broadcast


@shared_task(acks_late=True)
def memorial_event_send(memorial_id: str, kind: str, data: dict[str, Any]) -> None:
    """Push an event from background work to the memorial's open pages."""
    memorial_event_broadcast(memorial_id=memorial_id, kind=kind, data=data)
