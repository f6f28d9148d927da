"""Helpers for the healthy-use tests: messages written at chosen times (a visit's history),
time moved for everything that reads `timezone.now`, and the socket opened and resumed."""

from __future__ import annotations

from datetime import datetime

from channels.db import database_sync_to_async
from django.utils import timezone

from conversations.models import Conversation, Message, MessageRole
from core.crypto import memorial_cipher
from tests.conversations.conftest import conversation_socket


def messages_at(memorial, visitor, times: list[datetime]) -> None:
    """The visitor and the twin took turns at these times (content: plain filler)."""
    conversation, _ = Conversation.objects.get_or_create(memorial=memorial, visitor=visitor)
    cipher = memorial_cipher(memorial_id=memorial.id)
    start = conversation.last_seq
    for offset, at in enumerate(times, start=1):
        seq = start + offset
        message = Message.objects.create(
            conversation=conversation,
            seq=seq,
            role=MessageRole.VISITOR if seq % 2 else MessageRole.TWIN,
            client_id=f"past-{seq}" if seq % 2 else "",
            text_encrypted=cipher.encrypt_text(f"a private word {seq}"),
        )
        Message.objects.filter(pk=message.pk).update(created_at=at)
    conversation.last_seq = start + len(times)
    conversation.save(update_fields=["last_seq"])


def move_time(monkeypatch, to: datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: to)


async def opened(memorial_id, cookie: str):
    """The socket, resumed: what came before `resumed` (history and notices) is returned."""
    socket = conversation_socket(memorial_id, cookie)
    connected, _ = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "resume", "after_seq": 0})
    before = []
    while (message := await socket.receive_json_from(timeout=5))["type"] != "resumed":
        before.append(message)
    return socket, before


async def received_until(socket, kind: str, seconds: float = 10) -> list[dict]:
    """Everything received up to and including the first message of type `kind`."""
    got = []
    while True:
        message = await socket.receive_json_from(timeout=seconds)
        got.append(message)
        if message["type"] == kind:
            return got


messages_at_async = database_sync_to_async(messages_at)
