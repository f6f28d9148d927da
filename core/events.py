"""Live events for a memorial's open pages, through the Redis channel layer."""

from __future__ import annotations

import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def memorial_events_group(memorial_id: uuid.UUID | str) -> str:
    return f"memorial.{memorial_id}.events"


def memorial_event_broadcast(
    *, memorial_id: uuid.UUID | str, kind: str, data: dict[str, Any]
) -> None:
    """Send one event to every browser watching this memorial. Fire and forget."""
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(
        memorial_events_group(memorial_id),
        {"type": "memorial.event", "kind": kind, "data": data},
    )
