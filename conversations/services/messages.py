"""A visitor's message and "try again": each stored with its place in the conversation and
the twin's reply queued in the same transaction, so the message is never lost and the reply
is written (by a worker) whether or not any socket stays open."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from conversations.models import Conversation, Message, MessageRole, MessageStatus
from conversations.tasks import REPLY_TASKS
from core.crypto import memorial_cipher
from core.events import EventKind, event_send_on_commit
from core.queries import compiled_row, model_from_row

MAX_MESSAGE_CHARS = 4000
MAX_CLIENT_ID_CHARS = 64


class MessageRefused(ValueError):
    """A message that cannot be taken as it is; the text says why, in plain words."""


@dataclass(frozen=True)
class SentMessage:
    seq: int
    client_id: str
    text: str
    created: bool  # False: that client id was sent before, and this is the stored one


def message_clean(*, client_id: object, text: object) -> tuple[str, str]:
    if not isinstance(client_id, str) or not 0 < len(client_id) <= MAX_CLIENT_ID_CHARS:
        raise MessageRefused("This message could not be sent; please reload the page.")
    if not isinstance(text, str) or not text.strip():
        raise MessageRefused("Please write something first.")
    text = text.strip()
    if len(text) > MAX_MESSAGE_CHARS:
        raise MessageRefused(f"Please keep a message under {MAX_MESSAGE_CHARS} characters.")
    return client_id, text


def _mine_with_sent(
    seq_client_id: str, text_client_id: str, memorial_id: uuid.UUID, visitor_id: uuid.UUID
) -> QuerySet[Conversation]:
    """The visitor's conversation, to be locked, with the message they stored under a client
    id (the id given twice, once for each column) as `sent_seq` and `sent_text`."""

    def sent(client_id: str) -> QuerySet[Message]:
        return Message.objects.filter(conversation=OuterRef("pk"), client_id=client_id)

    return (
        Conversation.objects.select_for_update()
        .filter(memorial_id=memorial_id, visitor_id=visitor_id)
        .annotate(
            sent_seq=Subquery(sent(seq_client_id).values("seq")[:1]),
            sent_text=Subquery(sent(text_client_id).values("text_encrypted")[:1]),
        )
        .order_by("pk")[:1]
    )


_PROBES = ("probe-seq", "probe-text", uuid.UUID(int=0), uuid.UUID(int=1))


def _conversation_locked(
    *, memorial_id: uuid.UUID | str, visitor: User, client_id: str = ""
) -> Conversation:
    """The visitor's conversation, locked (made on their first message). With `client_id`,
    the same query reads the visitor's message already stored under it, if any, as
    `sent_seq` and `sent_text` (None when it is new): one round trip, not two, its SQL
    compiled once (`core.queries`: it runs on every message)."""
    memorial = uuid.UUID(str(memorial_id))
    if client_id:
        row = compiled_row(_mine_with_sent, _PROBES, [client_id, client_id, memorial, visitor.pk])
        if row is None:  # their first message: the conversation made once, then read again
            Conversation.objects.get_or_create(memorial_id=memorial, visitor=visitor)
            return _conversation_locked(memorial_id=memorial, visitor=visitor, client_id=client_id)
        mine_with_sent = model_from_row(Conversation, row)
        mine_with_sent.sent_seq, mine_with_sent.sent_text = row[-2:]  # type: ignore[attr-defined]
        return mine_with_sent
    mine = Conversation.objects.select_for_update().filter(memorial_id=memorial, visitor=visitor)
    if (conversation := mine.first()) is None:  # their first message: made once, then locked
        Conversation.objects.get_or_create(memorial_id=memorial, visitor=visitor)
        conversation = mine.get()
    return conversation


def _reply_begin(*, conversation: Conversation, to: Message, scope: str) -> Message:
    """The twin's reply to `to`, empty and being written, numbered next; its writing queued
    as consent-bound work under `scope`. The task is sent after commit, before the events
    the caller then registers (`_reply_announce`): the reply's worker starts while they go
    out (a device that hears the reply's words before its start reads it as stored)."""
    cipher = memorial_cipher(memorial_id=conversation.memorial_id)
    conversation.last_seq += 1
    reply = Message.objects.create(
        conversation=conversation,
        seq=conversation.last_seq,
        role=MessageRole.TWIN,
        reply_to=to,
        text_encrypted=cipher.encrypt_text(""),
        status=MessageStatus.STREAMING,
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        last_seq=conversation.last_seq, updated_at=timezone.now()
    )
    REPLY_TASKS[scope].enqueue(memorial_id=conversation.memorial_id, message_id=reply.pk)
    return reply


def _reply_announce(*, conversation: Conversation, reply: Message, to: Message) -> None:
    event_send_on_commit(
        memorial_id=conversation.memorial_id,
        visitor_id=conversation.visitor_id,
        kind=EventKind.CONVERSATION_REPLY_START,
        data={"seq": reply.seq, "reply_to": to.seq},
    )


def message_send(
    *, memorial_id: uuid.UUID | str, visitor: User, client_id: str, text: str, scope: str
) -> SentMessage:
    """Store the visitor's message (once per `client_id`: sent again after a reconnect, it
    is the stored one that comes back) and queue the twin's reply. Every device of the
    visitor is told after commit. Raises MessageRefused, or ConsentRequired (nothing stored)
    when `scope` has no live consent."""
    client_id, text = message_clean(client_id=client_id, text=text)
    cipher = memorial_cipher(memorial_id=uuid.UUID(str(memorial_id)))
    with transaction.atomic():
        conversation = _conversation_locked(
            memorial_id=memorial_id, visitor=visitor, client_id=client_id
        )
        if (sent_seq := conversation.sent_seq) is not None:  # type: ignore[attr-defined]
            stored = cipher.decrypt_text(bytes(conversation.sent_text))  # type: ignore[attr-defined]
            return SentMessage(seq=sent_seq, client_id=client_id, text=stored, created=False)
        conversation.last_seq += 1
        message = Message.objects.create(
            conversation=conversation,
            seq=conversation.last_seq,
            role=MessageRole.VISITOR,
            client_id=client_id,
            text_encrypted=cipher.encrypt_text(text),
        )
        reply = _reply_begin(conversation=conversation, to=message, scope=scope)
        event_send_on_commit(
            memorial_id=memorial_id,
            visitor_id=visitor.pk,
            kind=EventKind.CONVERSATION_ACK,
            data={"client_id": client_id, "seq": message.seq, "text": text},
        )
        _reply_announce(conversation=conversation, reply=reply, to=message)
    return SentMessage(seq=message.seq, client_id=client_id, text=text, created=True)


def reply_retry(
    *, memorial_id: uuid.UUID | str, visitor: User, seq: object, scope: str
) -> int | None:
    """ "Try again" on the failed reply numbered `seq`: a new reply to the same message,
    numbered next (the failed one stays, as it was said). Pressed twice, or on two devices,
    it gives the one new reply. Returns its seq, or None when there is nothing to retry."""
    if not isinstance(seq, int):
        return None
    with transaction.atomic():
        conversation = _conversation_locked(memorial_id=memorial_id, visitor=visitor)
        failed = (
            conversation.messages.select_related("reply_to")
            .filter(seq=seq, role=MessageRole.TWIN, status=MessageStatus.FAILED)
            .first()
        )
        if failed is None or failed.reply_to is None:
            return None
        newer = (
            conversation.messages.filter(reply_to=failed.reply_to, seq__gt=failed.seq)
            .order_by("seq")
            .first()
        )
        if newer is not None:
            return newer.seq
        reply = _reply_begin(conversation=conversation, to=failed.reply_to, scope=scope)
        _reply_announce(conversation=conversation, reply=reply, to=failed.reply_to)
        return reply.seq
