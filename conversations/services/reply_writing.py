"""The twin's reply, written progressively by background work (`conversations.tasks`).

Each chunk is stored (the whole text so far, encrypted) in a step that holds the
conversation's consent, and only then sent to the visitor's devices, with its offset in the
reply. So a device that resumes mid-reply reads the text so far from the database and the
rest from the live group, and a withdrawal stops the reply at its next chunk: that chunk's
step rolls back and nothing more is written."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from conversations.allowances import (
    reply_allowance,
    reply_allowance_kind,
    reply_allowance_spent,
)
from conversations.guardrails.outbound import OutboundGuard, outbound_guard_for
from conversations.models import Message, MessageStatus
from conversations.replies import ReplyStream, reply_stream
from conversations.selectors import reply_get
from conversations.services.usage import usage_add
from conversations.speech import reply_speech_begin, reply_speech_end
from core.allowances import Allowance
from core.beside import beside
from core.crypto import MemorialCipher, memorial_cipher
from core.events import EventKind, event_send_on_commit
from core.queries import PROBE_MOMENT, compiled_update
from core.tasks import memorial_step
from corpus.selectors import passage_sources

logger = logging.getLogger(__name__)

INTERRUPTED_NOTICE = (
    "This reply was interrupted part way. What was said is kept; you can try again."
)
WITHDRAWN_NOTICE = (
    "This reply was stopped because the consent for these conversations was withdrawn."
)


def _reply_end_send(*, reply: Message, text: str) -> None:
    event_send_on_commit(
        memorial_id=reply.conversation.memorial_id,
        visitor_id=reply.conversation.visitor_id,
        kind=EventKind.CONVERSATION_REPLY_END,
        data={
            "seq": reply.seq,
            "status": reply.status,
            "text": text,
            "passages": list(reply.passage_ids),
            "sources": [
                source.as_event()
                for source in passage_sources(
                    memorial_id=reply.conversation.memorial_id, passage_ids=list(reply.passage_ids)
                )
            ],
            "abstained": reply.abstained,
            "label": reply.provider_label,
            "notice": reply.notice,
            "concern": reply.concern,
        },
    )


def reply_generate(*, memorial_id: uuid.UUID | str, message_id: int, scope: str) -> bool:
    """Write the twin's reply `message_id` (a placeholder made with the visitor's message),
    chunk by chunk, then mark it complete, or failed with its text kept.

    Safe to run twice: a reply already ended is left as it is, and one that a dead worker
    left half written is ended as interrupted (its words stay; "try again" writes a new one)
    rather than written again under what the devices already show. The text stored and
    sent is the one the outbound guard checked, sentence by sentence (`guardrails.outbound`),
    so a device resuming mid-reply reads what the others were sent. Each sentence is also
    handed to the reply's voice, if it has one (`conversations.speech`), in the step that
    stores it (the consent checked), to be spoken beside the text. Raises ConsentRequired
    when `scope` is withdrawn (the caller records the stop). True when this run completed
    the reply (the exchange is then whole, and what the visitor shared can be remembered)."""
    reply = reply_get(memorial_id=memorial_id, message_id=message_id)
    if reply is None or reply.status != MessageStatus.STREAMING or reply.reply_to is None:
        return False
    cipher = memorial_cipher(memorial_id=reply.conversation.memorial_id)
    if cipher.decrypt_text(bytes(reply.text_encrypted)):
        reply_stop(memorial_id=memorial_id, message_id=message_id, notice=INTERRUPTED_NOTICE)
        return False
    # The plan's allowance, asked once (`conversations.allowances`), and the outbound
    # guard, read beside the reply's preparation (a few queries, on another connection).
    asked = beside(_allowance_ask, reply=reply)
    # Spoken beside the text, if at all; the voice gets ready while the reply is prepared.
    speech = reply_speech_begin(reply=reply, scope=scope)
    completed = False
    try:
        stream = reply_stream(conversation=reply.conversation, visitor_message=reply.reply_to)
        kind, allowance, guard_for_twin = asked.result()
        # The guardrails' own answers (care, refusals) pass as written: they carry helplines.
        own = bool(stream.concern)
        # Care is never paused by the allowance.
        if not own and not allowance.allowed:
            with memorial_step(memorial_id=memorial_id, scope=scope):
                _reply_paused(reply=reply, text=allowance.reason, cipher=cipher)
            return False
        if own and speech is not None:  # heard too, but never in the person's voice
            speech.not_as_them()
        guard = OutboundGuard() if own else guard_for_twin
        chunks = stream.chunks if own else guard.checked(stream.chunks)
        text = ""
        for chunk in chunks:
            if not chunk:
                continue
            offset, text = len(text), text + chunk
            with memorial_step(memorial_id=memorial_id, scope=scope, held=True):
                if speech is not None:  # checked, the consent holds: spoken beside the step
                    speech.sentence(chunk)  # returns at once
                if not _chunk_store(reply=reply, text=text, encrypted=cipher.encrypt_text(text)):
                    return False  # ended elsewhere meanwhile (a withdrawal recorded its stop)
                event_send_on_commit(
                    memorial_id=memorial_id,
                    visitor_id=reply.conversation.visitor_id,
                    kind=EventKind.CONVERSATION_TOKEN,
                    data={"seq": reply.seq, "offset": offset, "text": chunk},
                )
        with memorial_step(memorial_id=memorial_id, scope=scope):
            completed = _reply_finish(
                reply=reply,
                stream=stream,
                guard=guard,
                text=text,
                encrypted=cipher.encrypt_text(text),
                kind=kind,
            )
        return completed
    finally:  # after the text's end was sent: what is left of the speech, or its stop
        reply_speech_end(speech, failed=not completed)


def _allowance_ask(*, reply: Message) -> tuple[str, Allowance, OutboundGuard]:
    """The allowance `reply` spends (its kind), whether it may be written, and the guard its
    words pass if the twin writes them."""
    kind = reply_allowance_kind(reply=reply)
    allowance = reply_allowance(reply=reply, kind=kind)
    return kind, allowance, outbound_guard_for(conversation=reply.conversation)


def _chunk_stored(
    text_encrypted: bytes, updated_at: datetime, message_id: int, status: str
) -> tuple[QuerySet[Message], dict[str, Any]]:
    values = {"text_encrypted": text_encrypted, "updated_at": updated_at}
    return Message.objects.filter(pk=message_id).filter(status=status), values


def _chunk_store(*, reply: Message, text: str, encrypted: bytes) -> bool:
    # compiled once (`core.queries`): written for every sentence of every reply
    return bool(
        compiled_update(
            _chunk_stored,
            (b"probe-text", PROBE_MOMENT, -1, "probe-status"),
            [encrypted, timezone.now(), reply.pk, MessageStatus.STREAMING],
        )
    )


def _reply_paused(*, reply: Message, text: str, cipher: MemorialCipher) -> None:
    """The reply the plan's allowance refused: the kind explanation, stored as the reply
    (not counted), and sent as its end."""
    reply.status, reply.abstained, reply.provider_label = MessageStatus.COMPLETE, True, "Legacy"
    updated = Message.objects.filter(pk=reply.pk, status=MessageStatus.STREAMING).update(
        status=reply.status,
        abstained=True,
        provider_label=reply.provider_label,
        text_encrypted=cipher.encrypt_text(text),
        updated_at=timezone.now(),
    )
    if updated:
        _reply_end_send(reply=reply, text=text)


def _reply_finish(
    *,
    reply: Message,
    stream: ReplyStream,
    guard: OutboundGuard,
    text: str,
    encrypted: bytes,
    kind: str,
) -> bool:
    reply.status = MessageStatus.FAILED if stream.failed else MessageStatus.COMPLETE
    reply.passage_ids = [passage.id for passage in stream.passages]
    reply.memory_ids = [memory.id for memory in stream.memories]
    reply.abstained, reply.register = stream.abstained, stream.register
    reply.concern = stream.concern or guard.concern
    reply.provider_label = stream.label[:100]
    reply.notice = stream.notice[:300]
    updated = Message.objects.filter(pk=reply.pk, status=MessageStatus.STREAMING).update(
        status=reply.status,
        passage_ids=reply.passage_ids,
        memory_ids=reply.memory_ids,
        abstained=reply.abstained,
        register=reply.register,
        concern=reply.concern,
        provider_label=reply.provider_label,
        notice=reply.notice,
        text_encrypted=encrypted,
        updated_at=timezone.now(),
    )
    if updated:
        usage = stream.reply.usage if stream.reply is not None else None
        usage_add(
            memorial_id=reply.conversation.memorial_id,
            visitor_id=reply.conversation.visitor_id,
            messages=1,
            input_tokens=usage.input_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            cache_read_tokens=usage.cache_read_tokens if usage else 0,
        )
        if last := reply_allowance_spent(reply=reply, kind=kind):  # said at the end, once
            reply.notice = f"{reply.notice} {last}".strip()[:300]
            Message.objects.filter(pk=reply.pk).update(notice=reply.notice)
        _reply_end_send(reply=reply, text=text)
    return bool(updated) and reply.status == MessageStatus.COMPLETE


def reply_stop(*, memorial_id: uuid.UUID | str, message_id: int, notice: str) -> bool:
    """End a reply still being written as failed, its text so far kept, with `notice`; tell
    the visitor's devices. False when it had already ended."""
    with transaction.atomic():
        reply = (
            Message.objects.select_for_update()
            .select_related("conversation")
            .filter(pk=message_id, conversation__memorial_id=memorial_id)
            .first()
        )
        if reply is None or reply.status != MessageStatus.STREAMING:
            return False
        reply.status, reply.notice = MessageStatus.FAILED, notice[:300]
        reply.save(update_fields=["status", "notice", "updated_at"])
        cipher = memorial_cipher(memorial_id=reply.conversation.memorial_id)
        _reply_end_send(reply=reply, text=cipher.decrypt_text(bytes(reply.text_encrypted)))
    return True
