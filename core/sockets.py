"""Memorial sockets end with the session that opened them.

Each socket joins a group for its session and one for its user on the memorial. Signing out
closes the session's group (SIGNED_OUT); removing a membership closes the user's group on that
memorial (MEMBERSHIP_REMOVED); and each socket closes itself when its session, as stored,
expires or disappears (SESSION_EXPIRED).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import datetime
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from core.events import SocketClose, layer_group_send

# A session can also end without a signal (its row deleted, all devices signed out):
# a socket looks again at least this often.
SESSION_RECHECK_S = 15 * 60.0


def session_group(session_key: str) -> str:
    """The group of a session's sockets; named by a hash, so no session key sits in Redis."""
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()[:40]


def memorial_user_group(*, memorial_id: uuid.UUID | str, user_id: uuid.UUID | str | int) -> str:
    return f"memorial.{memorial_id}.user.{user_id}"


def sockets_close_on_commit(*, group: str, code: SocketClose) -> None:
    """Close every socket in `group` with `code` once the current transaction commits."""
    message = {"type": "socket.end", "code": int(code)}
    transaction.on_commit(lambda: layer_group_send(group=group, message=message), robust=True)


def sockets_close_on_sign_out(
    sender: Any, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """`user_logged_out` receiver: close the sockets of the session being signed out."""
    session_key = request.session.session_key if request is not None else None
    if session_key:
        sockets_close_on_commit(group=session_group(session_key), code=SocketClose.SIGNED_OUT)


def session_expiry(session: SessionBase) -> datetime | None:
    """When `session` ends, as stored now; None when it has already ended or is gone."""
    key = session.session_key
    if not key:
        return None
    model_class = getattr(session, "get_model_class", None)
    if model_class is not None:  # the database backends: the stored expiry date
        stored: datetime | None = (
            model_class()
            .objects.filter(session_key=key, expire_date__gt=timezone.now())
            .values_list("expire_date", flat=True)
            .first()
        )
        return stored
    return session.get_expiry_date() if session.exists(key) else None


class SessionBoundConsumer(AsyncJsonWebsocketConsumer):
    """A memorial socket that ends with its session and with its member's membership.

    A subclass calls `session_bind` after its access check, before accepting."""

    _ending_groups: tuple[str, ...] = ()
    _session_watch: asyncio.Task[None] | None = None

    async def session_bind(
        self, *, memorial_id: uuid.UUID | str, user_id: uuid.UUID | str | int
    ) -> None:
        session: SessionBase = self.scope["session"]
        self._ending_groups = (memorial_user_group(memorial_id=memorial_id, user_id=user_id),)
        if session.session_key:  # without one, the watch below closes the socket at once
            self._ending_groups += (session_group(session.session_key),)
        for group in self._ending_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self._session_watch = asyncio.create_task(self._session_watch_run(session))

    async def _session_watch_run(self, session: SessionBase) -> None:
        while True:
            expiry = await database_sync_to_async(session_expiry)(session)
            wait = (expiry - timezone.now()).total_seconds() if expiry else 0.0
            if wait <= 0:
                break
            await asyncio.sleep(min(wait, SESSION_RECHECK_S))
        await self.close(code=SocketClose.SESSION_EXPIRED)

    async def socket_end(self, event: dict[str, Any]) -> None:
        await self.close(code=event["code"])

    async def disconnect(self, code: int) -> None:
        if self._session_watch is not None:
            self._session_watch.cancel()
        for group in self._ending_groups:
            await self.channel_layer.group_discard(group, self.channel_name)
