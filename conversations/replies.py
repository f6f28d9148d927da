"""The twin's reply to a visitor's message: the one seam between a conversation and the twin.

`reply_stream` first reads the visitor's message through the inbound guardrails
(`conversations.guardrails.detection.turn_assess`, with the crisis risk carried on the
conversation): a crisis, a request for money or secrets, or "is it really you?" is answered
by the guardrails' own words (`guardrails.care`, `guardrails.answers`), which need no LLM,
and the stewards are told when they should be (`guardrails.alerts`). Otherwise it gathers what
the conversation knows (the visitor's relationship and so the register, their memories, the
recent turns, the subject's wishes) and asks the twin through `twins.replies.twin_reply`, the
one place the twin's prompt is composed: retrieval of the subject's own words, the decision
to answer, abstain or decline, and the provider with its offline fallback.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from django.db import transaction
from django.db.models import QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from conversations.guardrails import detection
from conversations.guardrails.alerts import (
    crisis_alert_raise,
    fraud_attempt_note,
    steward_to_reach,
)
from conversations.guardrails.answers import (
    DISCLOSURE_LABEL,
    FRAUD_LABEL,
    disclosure_answer_chunks,
    fraud_refusal_chunks,
)
from conversations.guardrails.care import CARE_LABEL, care_reply_chunks
from conversations.guardrails.detection import Assessment, Reading
from conversations.guardrails.helplines import helplines_for, visitor_country
from conversations.memories import MemoryRecord, memories_for_reply
from conversations.models import Concern, Conversation, Message, MessageRole, MessageStatus
from conversations.voice import visitor_register
from core.beside import beside
from core.crypto import memorial_cipher
from core.queries import (
    PROBE_MOMENT,
    compiled_row,
    compiled_rows,
    compiled_update,
    model_from_row,
)
from corpus.embeddings import embed_query
from corpus.records import PassageRecord
from memorials.models import Membership, Memorial
from memorials.wishes import wishes_get
from twins.providers import LlmMessage
from twins.replies import twin_evidence, twin_reply
from twins.services.llm import TwinReply

logger = logging.getLogger(__name__)

RECENT_TURNS = 12  # earlier messages of the conversation given to the twin, oldest first
MEMORIES_PER_REPLY = 5
STOPPED_NOTICE = (
    "The connection to the language model broke off part way through this reply. "
    "What was said is kept; you can try again."
)
FAILED_NOTICE = "This reply could not be written just now. Your message is kept; you can try again."


@dataclass
class ReplyStream:
    """A reply being written. Iterate `chunks` once for its text. When the provider fails
    part way, the stream ends early with `failed` set and a calm `notice`: what was said
    stands and is not mixed with other words. When it fails before saying anything, the
    offline responder answers instead (`label` names it; `notice` says why). A reply the
    guardrails wrote (`concern` crisis, fraud or disclosure) streams their `guarded` words
    instead of the twin's."""

    passages: list[PassageRecord]  # drawn on (none when it abstained or declined)
    reply: TwinReply | None
    abstained: bool = False
    register: str = ""
    memories: list[MemoryRecord] = field(default_factory=list)
    failed: bool = False
    concern: str = ""  # the guardrail that shaped this reply (conversations.guardrails)
    guarded: list[str] = field(default_factory=list)  # the guardrails' own words, if theirs
    _label: str = ""
    _notice: str = ""
    chunks: Iterator[str] = field(init=False)

    def __post_init__(self) -> None:
        self.chunks = self._chunks()

    @property
    def label(self) -> str:
        return self._label or (self.reply.label if self.reply is not None else "")

    @property
    def notice(self) -> str:
        return self._notice or (self.reply.notice if self.reply is not None else "")

    def _chunks(self) -> Iterator[str]:
        if self.guarded:
            yield from self.guarded
            return
        if self.reply is None:
            return
        try:
            for chunk in self.reply:
                if self.reply.fell_back and self.reply.partial:
                    # The provider failed after it had begun: keep its words, stop here.
                    self.failed, self._notice = True, STOPPED_NOTICE
                    return
                yield chunk
        except Exception:  # a provider that refused the request: say so, keep the message
            logger.exception("a twin reply failed")
            self.failed, self._notice = True, FAILED_NOTICE


def _turns_before(conversation_id: uuid.UUID, before_seq: int, unfinished: str) -> QuerySet[Any]:
    return (
        Message.objects.filter(conversation_id=conversation_id)
        .filter(seq__lt=before_seq)
        .exclude(status=unfinished)
        .order_by("-seq")
        .values_list("role", "text_encrypted")[:RECENT_TURNS]
    )


def _recent_turns(*, conversation: Conversation, before_seq: int) -> list[LlmMessage]:
    # compiled once (`core.queries`): read on every reply
    earlier = compiled_rows(
        _turns_before,
        (uuid.UUID(int=0), 987_654_321, "probe-status"),
        [conversation.pk, before_seq, MessageStatus.STREAMING],
    )[::-1]
    cipher = memorial_cipher(memorial_id=conversation.memorial_id)
    turns: list[LlmMessage] = []
    for said_by, encrypted in earlier:
        role: Literal["user", "assistant"] = (
            "user" if said_by == MessageRole.VISITOR else "assistant"
        )
        text = cipher.decrypt_text(bytes(encrypted)).strip()
        if not text:
            continue
        if turns and turns[-1].role == role:  # providers want turns to alternate
            turns[-1] = LlmMessage(role=role, content=f"{turns[-1].content}\n\n{text}")
        else:
            turns.append(LlmMessage(role=role, content=text))
    while turns and turns[0].role != "user":
        turns.pop(0)
    if turns and turns[-1].role == "user":  # an earlier message left without a reply
        turns.append(LlmMessage(role="assistant", content="…"))
    return turns


GUARDED = (Concern.CRISIS, Concern.FRAUD, Concern.DISCLOSURE)


def _hours_since(moment: datetime | None) -> float:
    if moment is None:
        return 0.0
    return max(0.0, (timezone.now() - moment).total_seconds() / 3600)


def _turn_locked(
    concern_message_id: int, risk_message_id: int, conversation_id: uuid.UUID
) -> QuerySet[Any]:
    """The conversation, to be locked, with its carried risk and the stored concern and risk
    of one of its messages (its id given twice, once for each)."""
    return (
        Conversation.objects.select_for_update()
        .annotate(
            message_concern=Subquery(
                Message.objects.filter(pk=concern_message_id).values("concern")
            ),
            message_risk=Subquery(Message.objects.filter(pk=risk_message_id).values("risk")),
        )
        .filter(pk=conversation_id)
        .values_list("risk", "risk_at", "message_concern", "message_risk")
    )


def _member(memorial_id: uuid.UUID, visitor_id: uuid.UUID) -> QuerySet[Membership]:
    return (
        Membership.objects.select_related("user")
        .filter(memorial_id=memorial_id)
        .filter(user_id=visitor_id)
        .order_by("pk")[:1]
    )


def _membership_with_user(*, memorial_id: uuid.UUID, visitor_id: uuid.UUID) -> Membership | None:
    """The visitor's membership with their account (read on every message: compiled once,
    `core.queries`; the membership's columns come first, then the account's)."""
    row = compiled_row(
        _member,
        (uuid.UUID(int=0), uuid.UUID(int=1)),
        [uuid.UUID(str(memorial_id)), uuid.UUID(str(visitor_id))],
    )
    if row is None:
        return None
    membership = model_from_row(Membership, row)
    membership.user = model_from_row(User, row[len(Membership._meta.concrete_fields) :])
    return membership


def _message_assessed(
    concern: str, risk: float, updated_at: datetime, message_id: int
) -> tuple[QuerySet[Message], dict[str, Any]]:
    values = {"concern": concern, "risk": risk, "updated_at": updated_at}
    return Message.objects.filter(pk=message_id), values


def _conversation_risk(
    risk: float, risk_at: datetime, conversation_id: uuid.UUID
) -> tuple[QuerySet[Conversation], dict[str, Any]]:
    return Conversation.objects.filter(pk=conversation_id), {"risk": risk, "risk_at": risk_at}


def turn_guard(
    *, conversation: Conversation, visitor_message: Message, text: str, topics: list[str]
) -> Assessment:
    """Assess the visitor's message with the crisis risk carried on the conversation, store
    what was found (the message's concern and risk, the conversation's risk and its time) in
    one transaction, and tell the stewards when they should be (after it commits).

    A message stored with a concern or some risk was assessed already (its reply is written
    again: "try again", a retried task): it is acted on as stored, so its risk is not added
    twice and nobody is told twice. (A message found to carry nothing is read again.)"""
    with transaction.atomic():
        # The conversation locked (its carried risk read) with the message's stored concern
        # and risk, in one query (compiled once: `core.queries`).
        carried_risk, risk_at, concern, risk = compiled_row(  # type: ignore[misc]
            _turn_locked,
            (-1, -2, uuid.UUID(int=0)),
            [visitor_message.pk, visitor_message.pk, conversation.pk],
        )
        if concern or risk:
            return Assessment(concern=concern, reading=Reading(), risk=risk)
        assessment = detection.turn_assess(
            text=text,
            carried_risk=carried_risk,
            hours_since=_hours_since(risk_at),
            forbidden_topics=topics,
        )
        now = timezone.now()
        visitor_message.concern, visitor_message.risk = assessment.concern, assessment.risk
        # each compiled once (`core.queries`): written on every message
        compiled_update(
            _message_assessed,
            ("probe-concern", -1.5, PROBE_MOMENT, -1),
            [assessment.concern, assessment.risk, now, visitor_message.pk],
        )
        compiled_update(
            _conversation_risk,
            (-1.5, PROBE_MOMENT, uuid.UUID(int=0)),
            [assessment.risk, now, conversation.pk],
        )
        if assessment.concern == Concern.CRISIS:
            crisis_alert_raise(conversation=conversation, message=visitor_message)
        elif assessment.concern == Concern.FRAUD:
            fraud_attempt_note(conversation=conversation, message=visitor_message)
    return assessment


def guarded_reply(*, conversation: Conversation, concern: str) -> ReplyStream:
    """The guardrails' own reply for a crisis, fraud or disclosure turn: no LLM, no persona."""
    memorial = Memorial.objects.get(pk=conversation.memorial_id)
    steward = steward_to_reach(memorial_id=memorial.pk, visitor_id=conversation.visitor_id)
    if concern == Concern.CRISIS:
        visitor = User.objects.get(pk=conversation.visitor_id)
        help = helplines_for(country=visitor_country(user=visitor))
        chunks = care_reply_chunks(memorial_name=memorial.name, help=help, steward=steward)
        label = CARE_LABEL
    elif concern == Concern.FRAUD:
        chunks = fraud_refusal_chunks(memorial_name=memorial.name, steward=steward)
        label = FRAUD_LABEL
    else:
        chunks = disclosure_answer_chunks(memorial_name=memorial.name)
        label = DISCLOSURE_LABEL
    return ReplyStream(passages=[], reply=None, concern=concern, guarded=chunks, _label=label)


def reply_stream(*, conversation: Conversation, visitor_message: Message) -> ReplyStream:
    """The reply to `visitor_message`, streamed: the guardrails' own words for a crisis,
    fraud or disclosure turn, else the twin's, with the passages it drew on.

    Raises ConsentRequired when the memorial's writing may no longer be read."""
    memorial_id = conversation.memorial_id
    cipher = memorial_cipher(memorial_id=memorial_id)
    question = cipher.decrypt_text(bytes(visitor_message.text_encrypted))
    wishes = wishes_get(memorial_id=memorial_id)
    topics = wishes.forbidden_topics
    # None: they left the memorial meanwhile (the reply is still written, voice unset)
    membership = _membership_with_user(memorial_id=memorial_id, visitor_id=conversation.visitor_id)
    names = [membership.user.full_name] if membership else []
    embed_query(question)  # once, for the guardrails, retrieval and memories alike
    # Retrieval and the grounding decision wait on the database beside the rest (the
    # guardrails, the visitor's register, memories and recent turns): reads at once, not in
    # turn. A turn the guardrails answer themselves does not use it.
    evidence = beside(
        twin_evidence,
        memorial_id=memorial_id,
        question=question,
        forbidden_topics=topics,
        names=names,
        visitor_id=conversation.visitor_id,
        memorial=conversation.memorial,  # read with the reply (`reply_get`)
        share_between_family=wishes.share_between_family,
    )
    assessment = turn_guard(
        conversation=conversation, visitor_message=visitor_message, text=question, topics=topics
    )
    if assessment.concern in GUARDED:
        return guarded_reply(conversation=conversation, concern=assessment.concern)
    register = visitor_register(membership=membership) if membership else ""
    memories = memories_for_reply(
        memorial_id=memorial_id,
        # the seam annotates an int; user ids are UUIDs (its writer is told)
        visitor_id=conversation.visitor_id,
        query=question,
        limit=MEMORIES_PER_REPLY,
    )
    history = _recent_turns(conversation=conversation, before_seq=visitor_message.seq)
    answer = twin_reply(
        memorial_id=memorial_id,
        question=question,
        history=history,
        register=register or None,
        retrieve_in_register=False,  # voice by register; what it recalls, from all its writing
        memories=[memory.text for memory in memories],
        forbidden_topics=topics,
        names=names,
        require_built=False,
        visitor_id=conversation.visitor_id,
        evidence=evidence,
    )
    return ReplyStream(
        passages=answer.passages,
        reply=answer.reply,
        abstained=answer.abstained,
        register=answer.register,
        memories=memories,
        concern=Concern.TOPIC if assessment.concern == Concern.TOPIC else "",
    )
