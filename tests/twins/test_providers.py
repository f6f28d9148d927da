"""The real `anthropic` and `openai` SDKs against the local fake server."""

from __future__ import annotations

from decimal import Decimal

import pytest

from twins.providers import (
    LlmMessage,
    LlmProviderUnavailable,
    LlmUnavailable,
    PersonaPrompt,
    llm_provider,
)

REPLY = "I grew up by the sea, and I never stopped missing it."
PERSONA = "You speak as Ann, in her words, from the passages only. Never invent facts."
PROMPT = PersonaPrompt(persona=PERSONA, passages=("I grew up in Whitby.", "The sea was cold."))
ASK = [LlmMessage(role="user", content="Where did you grow up?")]


def test_the_provider_is_chosen_by_settings_and_named_for_the_page(settings, fake_llm):
    settings.LEGACY_LLM_PROVIDER = "anthropic"
    assert llm_provider().label == "Claude (Anthropic)"
    settings.LEGACY_LLM_PROVIDER = "openai"
    assert llm_provider().label == "llama-test (OpenAI-compatible server)"
    settings.LEGACY_LLM_PROVIDER = "offline"
    assert llm_provider().name == "offline"


def test_without_a_key_claude_is_not_configured_and_unknown_names_are_refused(settings):
    settings.ANTHROPIC_API_KEY = ""
    with pytest.raises(LlmProviderUnavailable, match="ANTHROPIC_API_KEY"):
        llm_provider("anthropic")
    with pytest.raises(LlmProviderUnavailable, match="known: anthropic, offline, openai"):
        llm_provider("gpt-at-home")


def test_claude_streams_with_the_persona_cached_and_the_cache_reads_counted(fake_llm):
    provider = llm_provider("anthropic")

    first = provider.reply_stream(system=PROMPT, messages=ASK, max_tokens=300)
    chunks = list(first)
    second = provider.reply_stream(system=PROMPT, messages=ASK, max_tokens=300)
    "".join(second)

    assert len(chunks) > 1 and "".join(chunks) == REPLY
    request = fake_llm.requests[0]
    assert request["path"] == "/v1/messages" and request["body"]["stream"] is True
    headers = request["headers"]  # SDK versions send the key one way or the other
    assert "sk-ant-test" in (headers.get("x-api-key", ""), headers.get("authorization", "")[7:])
    assert request["body"]["model"] == "claude-test"
    persona, passages = request["body"]["system"]
    assert persona == {"type": "text", "text": PERSONA, "cache_control": {"type": "ephemeral"}}
    assert "cache_control" not in passages and "[1] I grew up in Whitby." in passages["text"]
    persona_tokens = len(PERSONA.split())
    assert (first.usage.cache_write_tokens, first.usage.cache_read_tokens) == (persona_tokens, 0)
    assert (second.usage.cache_write_tokens, second.usage.cache_read_tokens) == (0, persona_tokens)
    assert second.usage.output_tokens == len(REPLY.split())
    expected = (
        second.usage.input_tokens * Decimal(3)
        + second.usage.output_tokens * Decimal(15)
        + persona_tokens * Decimal("0.30")
    ) / 1_000_000
    assert second.cost == expected.quantize(Decimal("0.000001")) and second.cost > 0


def test_a_429_with_retry_after_is_retried_by_the_sdk_and_then_answers(fake_llm):
    fake_llm.queue("429")
    stream = llm_provider("anthropic").reply_stream(system=PROMPT, messages=ASK, max_tokens=50)
    assert "".join(stream) == REPLY
    assert len(fake_llm.requests) == 2


@pytest.mark.parametrize(
    ("behaviours", "kind"),
    [
        (("429", "429"), "rate_limited"),
        (("500", "500"), "server_error"),
        (("529", "529"), "overloaded"),
        (("slow", "slow"), "timeout"),
    ],
)
def test_claude_failing_after_the_sdk_retries_is_unavailable(fake_llm, behaviours, kind):
    fake_llm.queue(*behaviours)
    with pytest.raises(LlmUnavailable) as raised:
        "".join(llm_provider("anthropic").reply_stream(system=PROMPT, messages=ASK, max_tokens=5))
    assert raised.value.kind == kind and raised.value.reason
    assert len(fake_llm.requests) == 2  # the first try and the one retry the settings allow


def test_a_claude_stream_cut_halfway_is_unavailable_after_the_text_so_far(fake_llm):
    fake_llm.queue("cut")
    received = []
    stream = llm_provider("anthropic").reply_stream(system=PROMPT, messages=ASK, max_tokens=50)
    with pytest.raises(LlmUnavailable) as raised:
        for chunk in stream:
            received.append(chunk)
    assert raised.value.kind == "cut"
    assert received and REPLY.startswith("".join(received)) and "".join(received) != REPLY
    assert stream.usage.cache_write_tokens > 0  # what message_start reported is kept


def test_an_overloaded_error_inside_a_claude_stream_is_unavailable(fake_llm):
    fake_llm.queue("overloaded_midway")
    stream = llm_provider("anthropic").reply_stream(system=PROMPT, messages=ASK, max_tokens=50)
    received = []
    with pytest.raises(LlmUnavailable) as raised:
        for chunk in stream:
            received.append(chunk)
    assert raised.value.kind == "overloaded" and received


def test_an_openai_compatible_server_streams_with_usage_from_the_last_chunk(fake_llm):
    stream = llm_provider("openai").reply_stream(system=PROMPT, messages=ASK, max_tokens=300)
    chunks = list(stream)

    assert len(chunks) > 1 and "".join(chunks) == REPLY
    request = fake_llm.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["stream_options"] == {"include_usage": True}
    system, question = request["body"]["messages"]
    assert system["role"] == "system" and system["content"].startswith(PERSONA)
    assert "[2] The sea was cold." in system["content"]
    assert question == {"role": "user", "content": "Where did you grow up?"}
    assert stream.usage.output_tokens == len(REPLY.split())
    assert stream.usage.input_tokens == len(system["content"].split()) + 5
    assert stream.cost == Decimal(
        stream.usage.input_tokens + 2 * stream.usage.output_tokens
    ) / Decimal(1_000_000)


@pytest.mark.parametrize(
    ("behaviours", "kind"),
    [
        (("429", "429"), "rate_limited"),
        (("500", "500"), "server_error"),
        (("529", "529"), "overloaded"),
        (("slow", "slow"), "timeout"),
        (("cut",), "cut"),
    ],
)
def test_an_openai_compatible_server_failing_is_unavailable(fake_llm, behaviours, kind):
    fake_llm.queue(*behaviours)
    with pytest.raises(LlmUnavailable) as raised:
        "".join(llm_provider("openai").reply_stream(system=PROMPT, messages=ASK, max_tokens=5))
    assert (
        raised.value.kind == kind if kind != "cut" else raised.value.kind in {"cut", "connection"}
    )
