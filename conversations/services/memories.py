"""Writes of a visitor's memories: remembering what they shared after an exchange, and their
own corrections and deletions.

Memories are the visitor's own: stored encrypted with the memorial's key, each with its
keyed `memory_key` (the normalised statement, so the same thing said twice is kept once) and
its embedding, encrypted too. Only the visitor changes them, and only theirs."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from conversations.forgetting import memories_forget_everywhere
from conversations.memories import known_memories
from conversations.models import (
    DatePrecision,
    Message,
    MessageRole,
    MessageStatus,
    VisitorMemory,
)
from conversations.remembering.drafts import (
    MEMORY_KEY_PURPOSE,
    KnownMemory,
    MemoryDraft,
    memory_is_near,
    memory_normalise,
    memory_text_clean,
)
from conversations.remembering.llm import llm_extract
from conversations.remembering.rules import rules_extract
from core.audit import audit_record
from core.crypto import MemorialCipher, memorial_cipher
from core.tasks import memorial_step
from corpus.embeddings import embed_passages
from twins.providers import llm_provider


class MemoryRefused(ValueError):
    """A correction that cannot be kept as it is; the text says why, in plain words."""


def memory_key(cipher: MemorialCipher, text: str) -> str:
    return cipher.keyed_hash(purpose=MEMORY_KEY_PURPOSE, value=memory_normalise(text))


def _vector_encode(cipher: MemorialCipher, vector: np.ndarray) -> bytes:
    return cipher.encrypt(np.asarray(vector, dtype=np.float32).tobytes())


def _exchange(*, memorial_id: uuid.UUID | str, reply_id: int) -> Message | None:
    """The visitor's message a completed reply answered (with its conversation)."""
    reply = (
        Message.objects.select_related("reply_to__conversation")
        .filter(pk=reply_id, conversation__memorial_id=memorial_id, role=MessageRole.TWIN)
        .first()
    )
    if reply is None or reply.status != MessageStatus.COMPLETE or reply.reply_to is None:
        return None
    if reply.reply_to.role != MessageRole.VISITOR:
        return None
    return reply.reply_to


def memories_draft(text: str, *, said_on: date, memorial_id: uuid.UUID | str) -> list[MemoryDraft]:
    """What a visitor's message tells of their life: by the configured language model, or
    by rules with the offline default."""
    if settings.LEGACY_LLM_PROVIDER != "offline":
        return llm_extract(text, said_on=said_on, provider=llm_provider(), memorial_id=memorial_id)
    return rules_extract(text, said_on=said_on)


def _new_only(
    drafts: Iterable[MemoryDraft], vectors: np.ndarray, known: list[KnownMemory]
) -> list[tuple[MemoryDraft, np.ndarray]]:
    """The drafts that say something not yet known (nor said earlier in the same batch)."""
    kept: list[tuple[MemoryDraft, np.ndarray]] = []
    seen = list(known)
    for draft, vector in zip(drafts, vectors, strict=True):
        if any(memory_is_near(draft, vector, memory) for memory in seen):
            continue
        kept.append((draft, vector))
        seen.append(KnownMemory(draft.text, draft.about_date, vector))
    return kept


def memories_remember(*, memorial_id: uuid.UUID | str, reply_id: int, scope: str) -> int:
    """After an exchange (the twin's completed reply `reply_id`): store as the visitor's
    memories what their message told of their life, those not already known. Returns how
    many were stored. Safe to run twice: the second finds them known. Raises
    ConsentRequired (nothing stored) when `scope` was withdrawn."""
    message = _exchange(memorial_id=memorial_id, reply_id=reply_id)
    if message is None:
        return 0
    conversation = message.conversation
    cipher = memorial_cipher(memorial_id=conversation.memorial_id)
    text = cipher.decrypt_text(bytes(message.text_encrypted))
    said_on = timezone.localdate(message.created_at)
    drafts = memories_draft(text, said_on=said_on, memorial_id=conversation.memorial_id)
    if not drafts:
        return 0
    vectors = embed_passages([draft.text for draft in drafts])
    stored = 0
    with memorial_step(memorial_id=memorial_id, scope=scope):
        known = known_memories(
            memorial_id=conversation.memorial_id, visitor_id=conversation.visitor_id
        )
        for draft, vector in _new_only(drafts, vectors, known):
            _, created = VisitorMemory.objects.get_or_create(
                memorial_id=conversation.memorial_id,
                visitor_id=conversation.visitor_id,
                memory_key=memory_key(cipher, draft.text),
                defaults={
                    "text_encrypted": cipher.encrypt_text(draft.text),
                    "vector_encrypted": _vector_encode(cipher, vector),
                    "about_date": draft.about_date,
                    "about_precision": draft.about_precision,
                    "source_message": message,
                },
            )
            stored += created
    return stored


def _own_memory(*, memorial_id: uuid.UUID | str, visitor: User, memory_id: int) -> VisitorMemory:
    """The visitor's own memory, locked; another's, or none, is VisitorMemory.DoesNotExist."""
    return VisitorMemory.objects.select_for_update().get(
        pk=memory_id, memorial_id=memorial_id, visitor=visitor
    )


def memory_correct(
    *,
    memorial_id: uuid.UUID | str,
    visitor: User,
    memory_id: int,
    text: str,
    about_date: date | None,
) -> VisitorMemory:
    """The visitor puts one of their memories in their own words (and its date). Raises
    MemoryRefused, or VisitorMemory.DoesNotExist when it is not theirs."""
    cleaned = memory_text_clean(text or "")
    if not cleaned:
        raise MemoryRefused("Please write what you would like remembered, or delete it.")
    cipher = memorial_cipher(memorial_id=uuid.UUID(str(memorial_id)))
    vector = embed_passages([cleaned])[0]
    try:
        with transaction.atomic():
            memory = _own_memory(memorial_id=memorial_id, visitor=visitor, memory_id=memory_id)
            memory.text_encrypted = cipher.encrypt_text(cleaned)
            memory.vector_encrypted = _vector_encode(cipher, vector)
            memory.memory_key = memory_key(cipher, cleaned)
            if about_date != memory.about_date:  # a day they chose; the same one keeps "March"
                memory.about_date, memory.about_precision = about_date, DatePrecision.DAY
            memory.corrected = True
            memory.save(
                update_fields=[
                    "text_encrypted", "vector_encrypted", "memory_key", "about_date",
                    "about_precision", "corrected", "updated_at",
                ]
            )  # fmt: skip
    except IntegrityError as error:
        raise MemoryRefused("That is already remembered, just as you wrote it.") from error
    return memory


def memory_delete(*, memorial_id: uuid.UUID | str, visitor: User, memory_id: int) -> None:
    """The visitor has the twin forget one of their memories. Raises
    VisitorMemory.DoesNotExist when it is not theirs."""
    with transaction.atomic():
        memory = _own_memory(memorial_id=memorial_id, visitor=visitor, memory_id=memory_id)
        memory.delete()
        memories_forget_everywhere(memorial_id=memorial_id, visitor_id=visitor.pk)
        audit_record(
            action="conversation.memory_deleted", memorial_id=memorial_id, actor=visitor,
            data={"memory": memory_id},
        )  # fmt: skip
