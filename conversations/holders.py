"""What the conversations app holds of a memorial, for the kill switch and the export."""

from __future__ import annotations

import uuid

from conversations.models import (
    Conversation,
    Message,
    QuestionForSubject,
    UsageMonth,
    VisitorMemory,
)
from core.holders import DataHolder, holder_register


def _conversations_count(memorial_id: uuid.UUID) -> int:
    return Message.objects.filter(conversation__memorial_id=memorial_id).count()


def _conversations_erase(memorial_id: uuid.UUID) -> int:
    messages = _conversations_count(memorial_id)
    Conversation.objects.filter(memorial_id=memorial_id).delete()
    return messages


def _memories_count(memorial_id: uuid.UUID) -> int:
    return VisitorMemory.objects.filter(memorial_id=memorial_id).count()


def _memories_erase(memorial_id: uuid.UUID) -> int:
    deleted, _ = VisitorMemory.objects.filter(memorial_id=memorial_id).delete()
    return deleted


def _questions_count(memorial_id: uuid.UUID) -> int:
    return QuestionForSubject.objects.filter(memorial_id=memorial_id).count()


def _questions_erase(memorial_id: uuid.UUID) -> int:
    deleted, _ = QuestionForSubject.objects.filter(memorial_id=memorial_id).delete()
    return deleted


def _usage_count(memorial_id: uuid.UUID) -> int:
    return UsageMonth.objects.filter(memorial_id=memorial_id).count()


def _usage_erase(memorial_id: uuid.UUID) -> int:
    deleted, _ = UsageMonth.objects.filter(memorial_id=memorial_id).delete()
    return deleted


def conversations_holders_register() -> None:
    holder_register(DataHolder(
        name="conversations.memories", label="what the twin remembers of each visitor",
        count=_memories_count, erase=_memories_erase, order=1,
    ))  # fmt: skip
    holder_register(DataHolder(
        name="conversations.questions", label="questions passed on to you by your family",
        count=_questions_count, erase=_questions_erase, order=2,
    ))  # fmt: skip
    holder_register(DataHolder(
        name="conversations.messages", label="conversations with the twin",
        count=_conversations_count, erase=_conversations_erase, order=3,
    ))  # fmt: skip
    holder_register(DataHolder(
        name="conversations.usage", label="counts of use per visitor and month",
        count=_usage_count, erase=_usage_erase, order=4,
    ))  # fmt: skip
