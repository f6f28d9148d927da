"""The persona pack distilled by the configured language model, in batches that fit its
context window.

The subject's passages are numbered and sent a batch at a time with the project's prompt
(`prompts/distil.md`), which asks for facts only where the passages state them, each citing
the passage numbers it comes from, as JSON. A fact citing a number that was not in its batch,
or none, is dropped: it cannot be traced to the subject's words. The same fact found in
several batches is kept once, with all its passages. Every call is recorded with its tokens
(purpose `persona_distil`); a provider that stays unavailable raises `LlmUnavailable`, a
transient error, so the build task retries it later."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from corpus.records import PassageRecord
from twins.models import FactKind, LlmCall
from twins.persona.drafts import FactDraft, drafts_merge
from twins.providers import LlmMessage, LlmProvider, LlmStream, LlmUnavailable
from twins.services.llm import llm_call_record

logger = logging.getLogger(__name__)

DISTIL_PROMPT = (Path(__file__).parent / "prompts" / "distil.md").read_text(encoding="utf-8")
CHARS_PER_TOKEN = 4  # a rough count, on the safe side for English prose
MAX_FACT_CHARS = 400
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def tokens_estimate(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + 1


@dataclass(frozen=True)
class DistilBatch:
    passages: tuple[PassageRecord, ...]  # numbered from 1 in this order

    def message(self) -> str:
        return "\n\n".join(
            passage_line(number, passage) for number, passage in enumerate(self.passages, 1)
        )


def passage_line(number: int, passage: PassageRecord) -> str:
    when = f", {passage.sent_at.date().isoformat()}" if passage.sent_at else ""
    return f"[{number}] ({passage.register}{when})\n{passage.text}"


def reply_budget() -> int:
    """Tokens kept for the model's answer: a quarter of the window, at most 4096."""
    return max(256, min(4096, settings.LEGACY_PERSONA_CONTEXT_TOKENS // 4))


def batches_plan(passages: Sequence[PassageRecord]) -> list[DistilBatch]:
    """Consecutive passages, as many per batch as fit LEGACY_PERSONA_CONTEXT_TOKENS beside
    the prompt and the answer; a passage too long for a batch of its own is cut to fit."""
    room = settings.LEGACY_PERSONA_CONTEXT_TOKENS - tokens_estimate(DISTIL_PROMPT) - reply_budget()
    room = max(room, 64)  # a window too small for the prompt still gets a passage at a time
    batches: list[DistilBatch] = []
    current: list[PassageRecord] = []
    used = 0
    for passage in passages:
        cost = tokens_estimate(passage_line(len(current) + 1, passage)) + 1
        if cost > room:
            passage = _cut(passage, room)
            cost = room
        if current and used + cost > room:
            batches.append(DistilBatch(tuple(current)))
            current, used = [], 0
        current.append(passage)
        used += cost
    if current:
        batches.append(DistilBatch(tuple(current)))
    return batches


def _cut(passage: PassageRecord, room: int) -> PassageRecord:
    keep = max((room - 20) * CHARS_PER_TOKEN, 200)
    return PassageRecord(**{**passage.__dict__, "text": passage.text[:keep]})


def llm_distil(
    batches: Sequence[DistilBatch],
    *,
    provider: LlmProvider,
    memorial_id: uuid.UUID | str,
    advance: Callable[[int], None] | None = None,
) -> list[FactDraft]:
    """The facts the provider finds in each batch, merged across batches."""
    drafts: list[FactDraft] = []
    for batch in batches:
        answer = _ask(batch, provider=provider, memorial_id=memorial_id)
        drafts.extend(facts_from_answer(answer, batch=batch))
        if advance is not None:
            advance(1)
    return drafts_merge(drafts)


def _ask(batch: DistilBatch, *, provider: LlmProvider, memorial_id: uuid.UUID | str) -> str:
    stream: LlmStream | None = None
    purpose = LlmCall.Purpose.PERSONA_DISTIL
    try:
        stream = provider.reply_stream(
            system=DISTIL_PROMPT,
            messages=[LlmMessage(role="user", content=batch.message())],
            max_tokens=reply_budget(),
        )
        answer = "".join(stream)
    except LlmUnavailable as error:
        if stream is not None:
            llm_call_record(
                memorial_id=memorial_id, stream=stream, purpose=purpose, error_kind=error.kind
            )
        else:
            LlmCall.objects.create(
                memorial_id=memorial_id,
                provider=provider.name,
                model=provider.model,
                purpose=purpose,
                ok=False,
                error_kind=error.kind,
            )
        raise
    llm_call_record(memorial_id=memorial_id, stream=stream, purpose=purpose)
    return answer


def facts_from_answer(answer: str, *, batch: DistilBatch) -> Iterator[FactDraft]:
    """The well-formed facts of a model's answer whose cited passages are all in `batch`."""
    for item in _facts_list(answer):
        kind = str(item.get("kind", "")).strip().lower()
        text = " ".join(str(item.get("text", "")).split())[:MAX_FACT_CHARS]
        cited = _numbers(item.get("passages"))
        if kind not in FactKind.values or not text:
            continue
        if not cited or any(not 1 <= number <= len(batch.passages) for number in cited):
            logger.info("persona: a fact citing passages outside its batch was dropped")
            continue
        detail = item.get("detail")
        yield FactDraft(
            kind=kind,
            text=text,
            passage_ids={batch.passages[number - 1].id for number in cited},
            detail=detail if isinstance(detail, dict) else {},
            weight=len(cited),
        )


def _facts_list(answer: str) -> list[dict[str, Any]]:
    match = _JSON_OBJECT.search(answer)
    if match is None:
        logger.warning("persona: the model's answer held no JSON object; batch skipped")
        return []
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError:
        logger.warning("persona: the model's answer was not valid JSON; batch skipped")
        return []
    facts = data.get("facts") if isinstance(data, dict) else None
    return [item for item in facts if isinstance(item, dict)] if isinstance(facts, list) else []


def _numbers(value: Any) -> list[int]:
    if not isinstance(value, list):
        return []
    numbers: list[int] = []
    for item in value:
        try:
            numbers.append(int(str(item).strip().strip("[]")))
        except ValueError:
            return []  # a citation that is not a number cannot be checked
    return numbers
