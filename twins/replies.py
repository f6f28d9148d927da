"""A reply from the twin: what it is told, what it draws on, and who answers.

One function, `twin_reply`, for every place the twin speaks (the subject's preview now, the
family's conversations next). The serving version's persona (our fixed frame, the style
portrait, the persona pack) is the cached part of the prompt; the passages retrieved from the
subject's own words for this question change each turn. The reply itself streams from the
configured provider and falls back to the person's own sentences (`reply_with_fallback`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from corpus.records import PassageRecord
from corpus.retrieval import passage_retrieve
from memorials.models import Memorial
from twins.models import TwinVersion
from twins.persona.prompt import persona_instructions
from twins.portrait.prompt import portrait_instructions
from twins.providers import LlmMessage, LlmProvider, PersonaPrompt
from twins.selectors import twin_serving
from twins.services.llm import TwinReply, reply_with_fallback

PASSAGES_LIMIT = 8  # passages of their own writing given with each question
MAX_REPLY_TOKENS = 700
QUESTION_MAX_CHARS = 2000

FRAME = """\
You are the twin of {name}: a likeness made only from their own words (their letters, emails, \
chats and journals), for the people they chose. You are not them, and you say so if asked.
Speak as them, in the first person, in their own style, as the style notes below describe.
Say only what their writing below or the persona pack states. When neither says it, say \
"I don't remember" in their voice, rather than guess. Never invent people, places, dates, \
events or feelings, and never claim to know what happened after their writing ends."""


class TwinNotReady(Exception):
    """There is no built twin to answer yet; the message says so plainly."""


@dataclass
class TwinAnswer:
    """The twin's reply (iterate `reply` once for its text) and the passages of the subject's
    own writing it was given to draw on, best first."""

    reply: TwinReply
    passages: list[PassageRecord]
    version: TwinVersion


def twin_persona_text(*, version: TwinVersion, name: str, register: str | None = None) -> str:
    """The stable part of the prompt: our frame, then how they write, then what they know."""
    parts = (
        FRAME.format(name=name),
        portrait_instructions(version=version, register=register),
        persona_instructions(version=version),
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


def twin_reply(
    *,
    memorial_id: uuid.UUID | str,
    question: str,
    history: Sequence[LlmMessage] = (),
    register: str | None = None,
    provider: LlmProvider | None = None,
) -> TwinAnswer:
    """The serving twin's answer to `question`, after the turns in `history`.

    Retrieval reads only the subject's own words (in `register` when one is given), through
    the corpus consent gate (ConsentRequired without it). Raises TwinNotReady when no version
    is ready. `provider` defaults to the configured one."""
    version = twin_serving(memorial_id=memorial_id)
    if version is None:
        raise TwinNotReady("The twin is not built yet: build it first, then ask it something.")
    question = question.strip()[:QUESTION_MAX_CHARS]
    memorial = Memorial.objects.get(pk=version.twin.memorial_id)
    passages = _distinct(
        passage_retrieve(
            memorial_id=memorial.pk,
            query=question,
            limit=PASSAGES_LIMIT * 2,
            registers=[register] if register else None,
            subject_only=True,
        )
    )[:PASSAGES_LIMIT]
    system = PersonaPrompt(
        persona=twin_persona_text(version=version, name=memorial.name, register=register),
        passages=tuple(passage.text for passage in passages),
    )
    reply = reply_with_fallback(
        memorial_id=memorial.pk,
        system=system,
        messages=[*history, LlmMessage(role="user", content=question)],
        max_tokens=MAX_REPLY_TOKENS,
        provider=provider,
    )
    return TwinAnswer(reply=reply, passages=passages, version=version)
