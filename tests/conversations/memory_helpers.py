"""An exchange in a conversation, written as a worker would write it, for the memory tests."""

from __future__ import annotations

import uuid

from conversations.models import Message
from conversations.services.memories import memories_remember
from conversations.services.messages import message_send
from conversations.services.reply_writing import reply_generate
from core.consent import ConsentScope


def exchange(memorial, visitor, text: str, *, scope: str = ConsentScope.CONVERSATION_LIVING):
    """The visitor says `text`, the twin's reply is written whole; the reply."""
    sent = message_send(
        memorial_id=memorial.id, visitor=visitor, client_id=uuid.uuid4().hex, text=text,
        scope=scope,
    )  # fmt: skip
    reply = Message.objects.get(
        conversation__memorial=memorial, conversation__visitor=visitor, seq=sent.seq + 1
    )
    assert reply_generate(memorial_id=memorial.id, message_id=reply.id, scope=scope)
    return reply


def told(memorial, visitor, text: str, *, scope: str = ConsentScope.CONVERSATION_LIVING) -> int:
    """An exchange, then what it told remembered; how many memories were stored."""
    reply = exchange(memorial, visitor, text, scope=scope)
    return memories_remember(memorial_id=memorial.id, reply_id=reply.id, scope=scope)
