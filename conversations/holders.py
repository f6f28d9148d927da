"""What the conversations app holds of a memorial, for the kill switch and the export.

The subject's export holds their own preview conversation and what the twin remembers of
them; of the family's conversations and memories it holds counts only: those are each
visitor's own, which they download themselves (`memory_views.visitor_export_view`)."""

from __future__ import annotations

import uuid

from conversations.forgetting import memories_forget_everywhere
from conversations.memories import memories_of_visitor
from conversations.models import (
    Conversation,
    Message,
    QuestionForSubject,
    SafetyAlert,
    UsageMonth,
    VisitorMemory,
)
from conversations.selectors import conversation_export_for_visitor
from core.holders import DataHolder, ExportWriter, holder_register
from memorials.models import Memorial


def _conversations_count(memorial_id: uuid.UUID) -> int:
    return Message.objects.filter(conversation__memorial_id=memorial_id).count()


def _conversations_erase(memorial_id: uuid.UUID) -> int:
    messages = _conversations_count(memorial_id)
    Conversation.objects.filter(memorial_id=memorial_id).delete()
    return messages


def _subject_id(memorial_id: uuid.UUID) -> uuid.UUID:
    return Memorial.objects.values_list("subject_id", flat=True).get(pk=memorial_id)


def _conversations_export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    subject = Memorial.objects.get(pk=memorial_id).subject
    own = conversation_export_for_visitor(memorial_id=memorial_id, visitor=subject)
    others = Message.objects.filter(conversation__memorial_id=memorial_id).exclude(
        conversation__visitor=subject
    )
    writer.write_json(
        "conversations/your-preview.json",
        {
            "messages": [
                {"seq": m.seq, "from": "you" if m.role == "visitor" else "twin",
                 "text": m.text, "status": m.status}
                for m in own
            ],
            "family_conversations": {
                "conversations": others.values("conversation").distinct().count(),
                "messages": others.count(),
                "about": "Your family's conversations are theirs: counted here, never read.",
            },
        },
    )  # fmt: skip


def _memories_export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    subject_id = _subject_id(memorial_id)
    others = VisitorMemory.objects.filter(memorial_id=memorial_id).exclude(visitor_id=subject_id)
    writer.write_json(
        "conversations/what-the-twin-remembers-of-you.json",
        {
            "memories": [
                m.export()
                for m in memories_of_visitor(memorial_id=memorial_id, visitor_id=subject_id)
            ],
            "family_memories": {
                "count": others.count(),
                "about": "What the twin remembers of your family is theirs: counted, never read.",
            },
        },
    )  # fmt: skip


def _memories_count(memorial_id: uuid.UUID) -> int:
    return VisitorMemory.objects.filter(memorial_id=memorial_id).count()


def _memories_erase(memorial_id: uuid.UUID) -> int:
    deleted, _ = VisitorMemory.objects.filter(memorial_id=memorial_id).delete()
    memories_forget_everywhere(memorial_id=memorial_id)  # and their decrypted copies
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


def _alerts_count(memorial_id: uuid.UUID) -> int:
    return SafetyAlert.objects.filter(memorial_id=memorial_id).count()


def _alerts_erase(memorial_id: uuid.UUID) -> int:
    deleted, _ = SafetyAlert.objects.filter(memorial_id=memorial_id).delete()
    return deleted


def conversations_holders_register() -> None:
    holder_register(DataHolder(
        name="conversations.memories", label="what the twin remembers of each visitor",
        count=_memories_count, erase=_memories_erase, export=_memories_export, order=1,
    ))  # fmt: skip
    holder_register(DataHolder(
        name="conversations.questions", label="questions passed on to you by your family",
        count=_questions_count, erase=_questions_erase, order=2,
    ))  # fmt: skip
    holder_register(DataHolder(
        name="conversations.messages", label="conversations with the twin",
        count=_conversations_count, erase=_conversations_erase,
        export=_conversations_export, order=3,
    ))  # fmt: skip
    holder_register(DataHolder(
        name="conversations.usage", label="counts of use per visitor and month",
        count=_usage_count, erase=_usage_erase, order=4,
    ))  # fmt: skip
    holder_register(DataHolder(
        name="conversations.safety_alerts",
        label="safety notes to the stewards (and any words a visitor chose to share)",
        count=_alerts_count, erase=_alerts_erase, order=2,
    ))  # fmt: skip
