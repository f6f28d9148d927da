from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from core.holders import holders
from core.tasks import TransientError
from twins.models import LlmCall
from twins.providers import LlmMessage, LlmUnavailable, PersonaPrompt, llm_provider
from twins.providers.offline import CLOSING, OPENING
from twins.services.llm import reply_with_fallback

pytestmark = pytest.mark.django_db

PROMPT = PersonaPrompt(
    persona="You speak as Ann, from the passages only.",
    passages=("I grew up in Whitby, by the sea. We had a dog.",),
)
ASK = [LlmMessage(role="user", content="Did you grow up by the sea?")]
OWN_WORDS = [OPENING, "I grew up in Whitby, by the sea.", CLOSING]


def test_unavailable_is_transient_so_tasks_retry_it():
    assert issubclass(LlmUnavailable, TransientError)


def test_a_claude_reply_is_streamed_and_its_tokens_and_cost_recorded(fake_llm):
    memorial_id = uuid.uuid4()

    reply = reply_with_fallback(
        memorial_id=memorial_id, system=PROMPT, messages=ASK, provider=llm_provider("anthropic")
    )
    text = "".join(reply)

    assert text == fake_llm.reply_text
    assert (reply.fell_back, reply.notice, reply.label) == (False, "", "Claude (Anthropic)")
    call = LlmCall.objects.get(memorial_id=memorial_id)
    assert (call.provider, call.model, call.purpose, call.ok) == (
        "anthropic",
        "claude-test",
        "twin_reply",
        True,
    )
    assert call.output_tokens == len(text.split())
    assert call.cache_write_tokens == len(PROMPT.persona.split())
    assert call.cost_estimate == reply.cost > Decimal(0)


def test_when_claude_is_overloaded_the_person_s_own_words_answer_with_a_notice(fake_llm):
    memorial_id = uuid.uuid4()
    fake_llm.queue("529", "529")

    reply = reply_with_fallback(
        memorial_id=memorial_id, system=PROMPT, messages=ASK, provider=llm_provider("anthropic")
    )
    text = "".join(reply)

    assert text.splitlines() == OWN_WORDS
    assert (
        reply.fell_back
        and reply.label
        == "Offline: sentences they wrote, picked by matching words (no language model)"
    )
    assert reply.notice == "Claude is overloaded right now. These are sentences they wrote instead."
    calls = list(LlmCall.objects.filter(memorial_id=memorial_id).order_by("created_at", "id"))
    assert [(c.provider, c.ok, c.error_kind) for c in calls] == [
        ("anthropic", False, "overloaded"),
        ("offline", True, ""),
    ]


def test_a_stream_cut_halfway_keeps_the_partial_text_and_falls_back(fake_llm):
    memorial_id = uuid.uuid4()
    fake_llm.queue("cut")

    reply = reply_with_fallback(
        memorial_id=memorial_id, system=PROMPT, messages=ASK, provider=llm_provider("openai")
    )
    text = "".join(reply)

    assert reply.fell_back and reply.partial and fake_llm.reply_text.startswith(reply.partial)
    assert text == reply.partial + "\n".join(OWN_WORDS)
    failed = LlmCall.objects.get(memorial_id=memorial_id, ok=False)
    assert (failed.provider, failed.error_kind) == ("openai", "cut")


def test_the_configured_offline_default_needs_no_server(settings):
    settings.LEGACY_LLM_PROVIDER = "offline"
    memorial_id = uuid.uuid4()

    reply = reply_with_fallback(memorial_id=memorial_id, system=PROMPT, messages=ASK)

    assert "".join(reply).splitlines() == OWN_WORDS and not reply.fell_back
    call = LlmCall.objects.get(memorial_id=memorial_id)
    assert (call.provider, call.input_tokens, call.cost_estimate) == ("offline", 0, 0)


def test_the_calls_are_a_data_holder_counted_and_erased_by_memorial(settings):
    settings.LEGACY_LLM_PROVIDER = "offline"
    mine, other = uuid.uuid4(), uuid.uuid4()
    for memorial_id in (mine, mine, other):
        "".join(reply_with_fallback(memorial_id=memorial_id, system=PROMPT, messages=ASK))
    holder = next(h for h in holders() if h.name == "twins.llm_calls")

    assert holder.count(mine) == 2
    assert holder.erase(mine) == 2
    assert holder.count(mine) == 0 and holder.count(other) == 1
