"""Memories read out of a visitor's message by the configured language model.

The message goes with the project's prompt (`prompts/extract.md`), which asks only for what
the visitor said of themselves and their life, as JSON, dated from the day it was sent. An
answer that is not that JSON gives no memories rather than invented ones; a date the model
gives that cannot be read is worked out by the rules from the words instead. The call is
recorded with its tokens (purpose `visitor_memory`); a provider that stays unavailable
raises `LlmUnavailable`, a transient error, so the task retries later."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from conversations.remembering.dates import DAY, date_place
from conversations.remembering.drafts import MemoryDraft, memory_text_clean
from twins.models import LlmCall
from twins.providers import LlmMessage, LlmProvider, LlmStream, LlmUnavailable
from twins.services.llm import llm_call_record

EXTRACT_PROMPT = (Path(__file__).parent / "prompts" / "extract.md").read_text(encoding="utf-8")
MAX_ANSWER_TOKENS = 600
MAX_MEMORIES_PER_MESSAGE = 8
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def extract_request(text: str, *, said_on: date) -> str:
    return f"Sent on {said_on:%A} {said_on.isoformat()}.\n\nThe message:\n\n{text}"


def llm_extract(
    text: str, *, said_on: date, provider: LlmProvider, memorial_id: uuid.UUID | str
) -> list[MemoryDraft]:
    answer = _ask(extract_request(text, said_on=said_on), provider, memorial_id)
    return memories_from_answer(answer, said_on=said_on)


def _ask(request: str, provider: LlmProvider, memorial_id: uuid.UUID | str) -> str:
    stream: LlmStream | None = None
    purpose = LlmCall.Purpose.VISITOR_MEMORY
    try:
        stream = provider.reply_stream(
            system=EXTRACT_PROMPT,
            messages=[LlmMessage(role="user", content=request)],
            max_tokens=MAX_ANSWER_TOKENS,
        )
        answer = "".join(stream)
    except LlmUnavailable as error:
        if stream is not None:
            llm_call_record(
                memorial_id=memorial_id, stream=stream, purpose=purpose, error_kind=error.kind
            )
        else:
            LlmCall.objects.create(
                memorial_id=memorial_id, provider=provider.name, model=provider.model,
                purpose=purpose, ok=False, error_kind=error.kind,
            )  # fmt: skip
        raise
    llm_call_record(memorial_id=memorial_id, stream=stream, purpose=purpose)
    return answer


def _items(answer: str) -> list[Any]:
    match = _JSON_OBJECT.search(answer)
    if match is None:
        return []
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError:
        return []
    items = data.get("memories") if isinstance(data, dict) else None
    return items if isinstance(items, list) else []


def _date(value: object, text: str, said_on: date) -> tuple[date | None, str]:
    """The model's date (to the day), or else the one the words give, by the rules."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()), DAY
        except ValueError:
            pass
    return date_place(text, said_on=said_on) or (None, DAY)


def memories_from_answer(answer: str, *, said_on: date) -> list[MemoryDraft]:
    """The well-formed memories of a model's answer."""
    drafts: list[MemoryDraft] = []
    for item in _items(answer)[:MAX_MEMORIES_PER_MESSAGE]:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        text = memory_text_clean(item["text"])
        if text:
            drafts.append(MemoryDraft(text, *_date(item.get("date"), text, said_on)))
    return drafts
