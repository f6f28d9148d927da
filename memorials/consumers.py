"""The memorial's event socket: build progress and state changes, pushed to open pages."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from core.events import memorial_events_group
from memorials.selectors import MemorialNotFound, memorial_get_for

CLOSE_NOT_FOUND = 4404  # the socket twin of a 404
CLOSE_ERASED = 4410  # the memorial was erased (kill switch): the twin of a 410 Gone


class MemorialEventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        memorial_id = self.scope["url_route"]["kwargs"]["memorial_id"]
        try:
            await database_sync_to_async(memorial_get_for)(
                user=self.scope.get("user"), memorial_id=memorial_id
            )
        except MemorialNotFound:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.group = memorial_events_group(memorial_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def memorial_event(self, event: dict[str, Any]) -> None:
        await self.send_json({"kind": event["kind"], "data": event["data"]})
        if event["kind"] == "erased":
            await self.close(code=CLOSE_ERASED)
