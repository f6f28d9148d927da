"""Reads of a visitor's conversation: its messages, decrypted, in order; which consent a
conversation relies on."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet, Sum

from accounts.models import User
from conversations.models import (
    Conversation,
    Message,
    MessageRole,
    MessageStatus,
    QuestionForSubject,
    QuestionStatus,
    UsageMonth,
)
from conversations.services.usage import month_of
from core.consent import ConsentScope
from core.crypto import (
    MemorialCipher,
    memorial_cipher,
    memorial_cipher_keep,
    memorial_key_wrapped_beside,
)
from core.queries import compiled_objects
from corpus.selectors import PassageSource, passage_sources
from memorials.activation.selectors import activation_is_approved
from memorials.models import Membership, Memorial, Role
from memorials.selectors import memorial_get_for
from twins.providers import LlmProviderUnavailable, llm_provider
from twins.providers.offline import OfflineLlmProvider

# How many messages the page shows on load; older ones stay stored.
HISTORY_ON_LOAD = 200


@dataclass(frozen=True)
class MessageView:
    """A message as a page or socket shows it (the wire's "message")."""

    seq: int
    role: str
    client_id: str
    text: str
    status: str
    reply_to: int | None  # the seq of the visitor's message a reply answers
    passages: list[int]
    label: str
    notice: str
    # "where this comes from": the passages drawn on, in the person's own words
    sources: tuple[PassageSource, ...] = ()
    abstained: bool = False  # a twin's reply that said it did not know
    question: str = ""  # the status of the question passed on from it, "" when none
    concern: str = ""  # a reply the guardrails wrote (crisis care, a refusal, disclosure)

    @property
    def is_twin(self) -> bool:
        return self.role == "twin"

    @property
    def failed(self) -> bool:
        return self.status == MessageStatus.FAILED

    @property
    def streaming(self) -> bool:
        return self.status == MessageStatus.STREAMING

    def wire(self) -> dict[str, object]:
        return {
            "type": "message",
            "seq": self.seq,
            "role": self.role,
            "client_id": self.client_id,
            "text": self.text,
            "status": self.status,
            "reply_to": self.reply_to,
            "passages": self.passages,
            "sources": [source.as_event() for source in self.sources],
            "label": self.label,
            "notice": self.notice,
            "abstained": self.abstained,
            "question": self.question,
            "concern": self.concern,
        }


def conversation_consent_scope(*, memorial: Memorial, preview: bool) -> str:
    """The consent a conversation relies on, whose withdrawal ends it: the subject's own
    preview draws only on their writing (`corpus`), so it needs no conversation consent;
    family talk after a verified death needs `conversation_posthumous`, and before it
    `conversation_living`. (Who may talk at all is `conversations.access`'s decision.)"""
    if preview:
        return ConsentScope.CORPUS
    if activation_is_approved(memorial_id=memorial.id):
        return ConsentScope.CONVERSATION_POSTHUMOUS
    return ConsentScope.CONVERSATION_LIVING


def conversation_get(*, memorial_id: uuid.UUID | str, visitor: User) -> Conversation | None:
    return Conversation.objects.filter(memorial_id=memorial_id, visitor=visitor).first()


def _views(
    messages: list[Message], cipher: MemorialCipher, memorial_id: uuid.UUID
) -> list[MessageView]:
    seq_of = {m.pk: m.seq for m in messages}
    missing = {m.reply_to_id for m in messages if m.reply_to_id and m.reply_to_id not in seq_of}
    if missing:
        seq_of.update(Message.objects.filter(pk__in=missing).values_list("pk", "seq"))
    drawn = [passage_id for m in messages for passage_id in m.passage_ids]
    sources = {
        source.id: source for source in passage_sources(memorial_id=memorial_id, passage_ids=drawn)
    }
    abstained = [m.pk for m in messages if m.abstained]
    asked = (
        dict(
            QuestionForSubject.objects.filter(message_id__in=abstained).values_list(
                "message_id", "status"
            )
        )
        if abstained
        else {}
    )
    return [
        MessageView(
            seq=m.seq,
            role=m.role,
            client_id=m.client_id,
            text=cipher.decrypt_text(bytes(m.text_encrypted)),
            status=m.status,
            reply_to=seq_of.get(m.reply_to_id) if m.reply_to_id else None,
            passages=list(m.passage_ids),
            label=m.provider_label,
            notice=m.notice,
            sources=tuple(sources[i] for i in m.passage_ids if i in sources),
            abstained=m.abstained,
            question=asked.get(m.pk, ""),
            concern=m.concern if m.role == MessageRole.TWIN else "",
        )
        for m in messages
    ]


def messages_after(*, conversation: Conversation, after_seq: int) -> list[MessageView]:
    """Every message after `after_seq`, in order, as stored now (a reply still being
    written with the text it has so far)."""
    messages = list(conversation.messages.filter(seq__gt=after_seq).order_by("seq"))
    if not messages:
        return []
    memorial_id = conversation.memorial_id
    return _views(messages, memorial_cipher(memorial_id=memorial_id), memorial_id)


def conversation_history(*, conversation: Conversation | None) -> list[MessageView]:
    """The newest messages, oldest first, for the page's first render."""
    if conversation is None:
        return []
    newest = list(conversation.messages.order_by("-seq")[:HISTORY_ON_LOAD])
    if not newest:
        return []
    memorial_id = conversation.memorial_id
    return _views(newest[::-1], memorial_cipher(memorial_id=memorial_id), memorial_id)


def _reply_of(memorial_id: uuid.UUID, message_id: int, role: str) -> QuerySet[Message]:
    return (
        Message.objects.select_related("conversation__memorial__subject", "reply_to")
        .annotate(wrapped_key=memorial_key_wrapped_beside("conversation__memorial_id"))
        .filter(pk=message_id, conversation__memorial_id=memorial_id, role=role)
        .order_by("pk")[:1]
    )


def reply_get(*, memorial_id: uuid.UUID | str, message_id: int) -> Message | None:
    """A twin's reply, with its conversation and the conversation's memorial and subject, by
    id (for the work that writes it; its query compiled once, `core.queries`). Within a
    `ciphers_reused` block the memorial's key is read in the same query and kept for it."""
    found = compiled_objects(
        _reply_of,
        (uuid.UUID(int=0), -1, "probe-role"),
        [uuid.UUID(str(memorial_id)), message_id, MessageRole.TWIN],
    )
    reply = found[0] if found else None
    if reply is not None:
        memorial_cipher_keep(
            memorial_id=reply.conversation.memorial_id,
            wrapped_key=reply.wrapped_key,  # type: ignore[attr-defined]
        )
    return reply


def provider_label_now() -> str:
    """Who answers now, as the page names it: the configured provider's label (a reply
    that fell back names the offline responder on itself)."""
    try:
        return llm_provider().label
    except LlmProviderUnavailable:
        return OfflineLlmProvider.label


def conversation_export_for_visitor(
    *, memorial_id: uuid.UUID | str, visitor: User
) -> list[MessageView]:
    """Every message of this visitor's own conversation, oldest first, for their export."""
    conversation = conversation_get(memorial_id=memorial_id, visitor=visitor)
    if conversation is None:
        return []
    messages = list(conversation.messages.order_by("seq"))
    return _views(
        messages, memorial_cipher(memorial_id=conversation.memorial_id), conversation.memorial_id
    )


# --- questions passed on to the living subject ------------------------------------------


def questions_offered(*, memorial: Memorial, preview: bool) -> bool:
    """Whether a reply that did not know offers to pass the question on: to a visitor (not
    the subject trying their own twin) while the subject lives, that is, they opened the
    memorial to family themselves and no death has been verified since."""
    return (
        not preview
        and memorial.opened_while_living_at is not None
        and not activation_is_approved(memorial_id=memorial.id)
    )


@dataclass(frozen=True)
class UsageTotals:
    """All visitors of a memorial together in one month: what the subject and stewards see."""

    month: date
    visitors: int
    messages: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    seconds: int

    @property
    def minutes(self) -> int:
        return round(self.seconds / 60)


def usage_totals(*, memorial_id: uuid.UUID | str, day: date | None = None) -> UsageTotals:
    """The month's totals over all visitors (no visitor is named), in one query."""
    month = month_of(day)
    rows = UsageMonth.objects.filter(memorial_id=memorial_id, month=month)
    sums = rows.aggregate(
        visitors=Count("id", filter=Q(messages__gt=0)),
        messages=Sum("messages"),
        input_tokens=Sum("input_tokens"),
        output_tokens=Sum("output_tokens"),
        cache_read_tokens=Sum("cache_read_tokens"),
        seconds=Sum("seconds"),
    )
    return UsageTotals(month=month, **{key: value or 0 for key, value in sums.items()})


@dataclass(frozen=True)
class QuestionView:
    """A question as the subject reads it: who asked, and what."""

    id: uuid.UUID
    visitor_name: str
    text: str
    status: str
    created_at: datetime


def _question_view(question: QuestionForSubject, cipher: MemorialCipher) -> QuestionView:
    return QuestionView(
        id=question.id,
        visitor_name=str(question.visitor),
        text=cipher.decrypt_text(bytes(question.question_encrypted)),
        status=question.status,
        created_at=question.created_at,
    )


def questions_waiting(*, memorial: Memorial) -> list[QuestionView]:
    """The questions waiting for the subject's answer, oldest first. For the subject's own
    eyes only: callers check that the reader is the subject (`question_get_for_subject`, the
    subject's panel)."""
    waiting = (
        QuestionForSubject.objects.select_related("visitor")
        .filter(memorial=memorial, status=QuestionStatus.WAITING)
        .order_by("created_at")
    )
    cipher = memorial_cipher(memorial_id=memorial.id)
    return [_question_view(question, cipher) for question in waiting]


class QuestionNotFound(Exception):
    """No such question for this reader: a 404."""


def question_get_for_subject(
    *, user: User, memorial_id: uuid.UUID | str, question_id: uuid.UUID | str
) -> tuple[Membership, QuestionView]:
    """One question of the subject's own memorial, for the subject alone: anyone else (a
    steward, another family member, the visitor who asked) gets QuestionNotFound, as does a
    question of another memorial. MemorialNotFound for non-members, as everywhere."""
    membership = memorial_get_for(user=user, memorial_id=memorial_id)
    if membership.role != Role.SUBJECT:
        raise QuestionNotFound
    question = (
        QuestionForSubject.objects.select_related("visitor")
        .filter(memorial_id=membership.memorial_id, pk=question_id)
        .first()
    )
    if question is None:
        raise QuestionNotFound
    return membership, _question_view(question, memorial_cipher(memorial_id=question.memorial_id))
