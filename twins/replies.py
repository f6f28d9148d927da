"""A reply from the twin: what it is told, what it draws on, and who answers.

One function, `twin_reply`, for every place the twin speaks (the subject's preview and the
family's conversations). The serving version's persona (our fixed frame, the style
portrait, the persona pack) is the cached part of the prompt; the passages retrieved from the
subject's writing for this question change each turn (their own words, and what others wrote
to them in the same conversations, marked as those people's), with what the visitor told the twin
before and the project's decision (`twins.grounding`): answer from the supporting passages,
say "I don't remember" when none supports it, or decline a topic the wishes forbid. The reply
itself streams from the configured provider and falls back to the person's own sentences
(`reply_with_fallback`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from core.beside import Beside
from corpus.records import PassageRecord
from corpus.retrieval import passage_retrieve
from corpus.selectors import document_people
from memorials.models import Memorial
from twins.audience import passages_for_visitor
from twins.grounding import (
    ABSTAIN_INSTRUCTION,
    DECLINE_INSTRUCTION,
    Support,
    forbidden_topic_touched,
    support_judge,
)
from twins.models import TwinVersion
from twins.persona.prompt import persona_instructions
from twins.portrait.prompt import portrait_instructions
from twins.providers import LlmMessage, LlmProvider, PersonaPrompt
from twins.selectors import twin_serving
from twins.services.llm import TwinReply, reply_with_fallback

PASSAGES_LIMIT = 8  # passages of their writing (and replies to them) given with each question
MAX_REPLY_TOKENS = 700
QUESTION_MAX_CHARS = 2000

FRAME = """\
You are the twin of {name}: a likeness made only from their own words (their letters, emails, \
chats and journals), for the people they chose. You are not them, and you say so if asked.
Speak as them, in the first person, in their own style, as the style notes below describe.
Say only what their writing below or the persona pack states. Passages marked as written to \
them by someone else are what that person told them: speak of it as something you were told \
("you told me", "Sam wrote to me"), never as your own words. When none of it says it, say \
"I don't remember" in their voice, rather than guess. Never invent people, places, dates, \
events or feelings, and never claim to know what happened after their writing ends.
Do not take sides in disputes over the estate or between family members.
Make no claims about what family members feel or did that their writing below does not say."""


class TwinNotReady(Exception):
    """There is no built twin to answer yet; the message says so plainly."""


@dataclass
class TwinAnswer:
    """The twin's reply (iterate `reply` once for its text) and the passages of the subject's
    own writing it was given to draw on, best first."""

    reply: TwinReply
    passages: list[PassageRecord]  # drawn on: the supporting ones (none when it abstains)
    version: TwinVersion | None  # None: a conversation before any build (the frame alone)
    abstained: bool = False
    declined_topic: str = ""
    register: str = ""
    retrieved: tuple[PassageRecord, ...] = ()  # all retrieved, before the support decision


def twin_persona_text(
    *, version: TwinVersion | None, name: str, register: str | None = None
) -> str:
    """The stable part of the prompt: our frame, then how they write, then what they know."""
    parts = (
        FRAME.format(name=name),
        portrait_instructions(version=version, register=register) if version else "",
        persona_instructions(version=version) if version else "",
    )
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def _distinct(passages: list[PassageRecord]) -> list[PassageRecord]:
    """The passages in their order, each text once: a line written many times (a sign-off,
    a running joke) would otherwise fill the turn's passages with copies of itself."""
    seen: set[str] = set()
    distinct = []
    for passage in passages:
        key = " ".join(passage.text.split()).casefold()
        if key not in seen:
            seen.add(key)
            distinct.append(passage)
    return distinct


def _turn_notes(*, memories: Sequence[str], abstain: bool, declined_topic: str) -> str:
    notes = []
    if memories:
        listed = "\n".join(f"- {memory}" for memory in memories)
        notes.append(
            "What this visitor has told you in earlier conversations (theirs, not the "
            f"person's writing; use it to ask after them, never as a memory of your own):\n"
            f"{listed}"
        )
    if declined_topic:
        notes.append(DECLINE_INSTRUCTION.format(topic=declined_topic))
    elif abstain:
        notes.append(ABSTAIN_INSTRUCTION)
    return "\n\n".join(notes)


@dataclass(frozen=True)
class TwinEvidence:
    """What the subject's writing offers for one question, and the decision on it: the
    passages retrieved (best first) and those that support an answer."""

    memorial: Memorial
    question: str  # as judged (trimmed)
    retrieved: list[PassageRecord]
    support: Support
    declined_topic: str  # a topic of the wishes the question touches ("" when none)


def twin_evidence(
    *,
    memorial_id: uuid.UUID | str,
    question: str,
    register: str | None = None,
    retrieve_in_register: bool = True,
    forbidden_topics: Sequence[str] = (),
    names: Sequence[str] = (),
    visitor_id: uuid.UUID | str | None = None,
    memorial: Memorial | None = None,
    share_between_family: bool | None = None,
) -> TwinEvidence:
    """Retrieval and the grounding decision for `question` (see `twin_reply`): it reads
    the database and no provider, so a caller may run it beside its other preparation.
    `memorial`: the memorial `memorial_id`, with its subject, when the caller has read it;
    `share_between_family`: its wishes' flag, when the caller has read them."""
    question = question.strip()[:QUESTION_MAX_CHARS]
    if memorial is None or str(memorial.pk) != str(memorial_id):
        memorial = Memorial.objects.select_related("subject").get(pk=memorial_id)
    declined_topic = forbidden_topic_touched(question=question, topics=forbidden_topics)
    retrieved = _distinct(
        passage_retrieve(
            memorial_id=memorial.pk,
            query=question,
            limit=PASSAGES_LIMIT * 2,
            registers=[register] if register and retrieve_in_register else None,
        )
    )
    # Who each passage's document was written with, read once: for what the visitor may
    # be told, and for the judging
    documents = document_people(
        memorial_id=memorial.pk, document_ids={p.document_id for p in retrieved}
    )
    if visitor_id is not None:
        retrieved = passages_for_visitor(
            memorial=memorial,
            visitor_id=visitor_id,
            passages=retrieved,
            documents=documents,
            share_between_family=share_between_family,
        )
    retrieved = retrieved[:PASSAGES_LIMIT]
    # The people the passages were written with are named in them all: left out of the judging
    people = [
        name
        for document_id in {p.document_id for p in retrieved}
        if document_id in documents
        for name in documents[document_id].audience
    ]
    support = support_judge(
        question=question,
        passages=retrieved,
        # retrieval read each passage's cosine with the question
        cosines={p.id: p.cosine for p in retrieved if p.cosine is not None},
        names=[memorial.name, *names, *people],
    )
    return TwinEvidence(
        memorial=memorial,
        question=question,
        retrieved=retrieved,
        support=support,
        declined_topic=declined_topic,
    )


def twin_reply(
    *,
    memorial_id: uuid.UUID | str,
    question: str,
    history: Sequence[LlmMessage] = (),
    register: str | None = None,
    provider: LlmProvider | None = None,
    retrieve_in_register: bool = True,
    memories: Sequence[str] = (),
    forbidden_topics: Sequence[str] = (),
    names: Sequence[str] = (),
    require_built: bool = True,
    visitor_id: uuid.UUID | str | None = None,
    evidence: TwinEvidence | Beside[TwinEvidence] | None = None,
) -> TwinAnswer:
    """The serving twin's answer to `question`, after the turns in `history`.

    Retrieval reads the subject's writing, their own words and the turns others wrote to
    them, each marked with who wrote it (in `register` when one is given and
    `retrieve_in_register`), through the corpus consent gate (ConsentRequired without it);
    `register` also picks the style portrait. `memories` are what this visitor told the twin
    before; `forbidden_topics` the wishes' topics (declined); `names` the people of the
    conversation, left out when judging support (with the memorial's name and the people
    the retrieved passages were written with). Raises TwinNotReady when no version is
    ready, unless not `require_built` (then the frame alone is the persona). `provider`
    defaults to the configured one. `visitor_id`: the family member this reply is for; what
    the subject wrote privately to another family member is left out of what it retrieves
    (`twins.audience`). None (the subject's own preview): nothing is left out. `evidence`:
    `twin_evidence` for these same arguments, when the caller has already gathered it, or
    is gathering it beside (`core.beside`: waited for after the serving version is read)."""
    version = twin_serving(memorial_id=memorial_id)
    if version is None and require_built:
        raise TwinNotReady("The twin is not built yet: build it first, then ask it something.")
    if isinstance(evidence, Beside):
        evidence = evidence.result()
    if evidence is None:
        evidence = twin_evidence(
            memorial_id=memorial_id,
            question=question,
            register=register,
            retrieve_in_register=retrieve_in_register,
            forbidden_topics=forbidden_topics,
            names=names,
            visitor_id=visitor_id,
        )
    memorial, question = evidence.memorial, evidence.question
    declined_topic, support, retrieved = (
        evidence.declined_topic,
        evidence.support,
        evidence.retrieved,
    )
    passages = [] if declined_topic else support.passages
    abstain = support.abstained and not declined_topic
    system = PersonaPrompt(
        persona=twin_persona_text(version=version, name=memorial.name, register=register),
        passages=tuple(passage.text for passage in passages),
        passage_speakers=tuple("" if p.is_subject else p.speaker or "someone" for p in passages),
        turn=_turn_notes(memories=memories, abstain=abstain, declined_topic=declined_topic),
        abstain=abstain,
        decline=bool(declined_topic),
    )
    reply = reply_with_fallback(
        memorial_id=memorial.pk,
        system=system,
        messages=[*history, LlmMessage(role="user", content=question)],
        max_tokens=MAX_REPLY_TOKENS,
        provider=provider,
    )
    return TwinAnswer(
        reply=reply,
        passages=passages,
        version=version,
        abstained=abstain,
        declined_topic=declined_topic,
        register=register or "",
        retrieved=tuple(retrieved),
    )
