"""The memorial's event socket: state changes, uploads and withdrawals, pushed to open pages.

It joins the event groups its member's role may receive, and ends with its session and
with the membership (core.sockets)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from core.events import EventKind, SocketClose
from core.sockets import SessionBoundConsumer
from memorials.selectors import MemorialNotFound, membership_event_groups, memorial_get_for

CLOSE_NOT_FOUND = SocketClose.NOT_FOUND
CLOSE_ERASED = SocketClose.ERASED


class MemorialEventsConsumer(SessionBoundConsumer):
    event_groups: list[str]

    async def connect(self) -> None:
        memorial_id = self.scope["url_route"]["kwargs"]["memorial_id"]
        try:
            membership = await database_sync_to_async(memorial_get_for)(
                user=self.scope.get("user"), memorial_id=memorial_id
            )
        except MemorialNotFound:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.event_groups = membership_event_groups(membership=membership)
        for group in self.event_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.session_bind(memorial_id=memorial_id, user_id=membership.user_id)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "event_groups", ()):
            await self.channel_layer.group_discard(group, self.channel_name)
        await super().disconnect(code)

    async def memorial_event(self, event: dict[str, Any]) -> None:
        await self.send_json({"kind": event["kind"], "data": event["data"]})
        if event["kind"] == EventKind.ERASED:
            await self.close(code=CLOSE_ERASED)
