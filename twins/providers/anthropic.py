"""Anthropic Claude through the official `anthropic` SDK, streaming, with prompt caching.

The persona pack goes as the first system block with `cache_control`, so repeat turns read it
from the cache; the turn's passages follow it in a second block, outside the cached prefix.
"""

from __future__ import annotations

from collections.abc import Iterator

import anthropic
import httpx2
from anthropic import Stream
from anthropic.types import MessageParam, RawMessageStreamEvent, TextBlockParam

from twins.providers.base import (
    LlmMessage,
    LlmPrices,
    LlmStream,
    LlmUnavailable,
    LlmUsage,
    PersonaPrompt,
)


def system_blocks(system: PersonaPrompt | str) -> list[TextBlockParam]:
    if isinstance(system, str):
        system = PersonaPrompt(persona=system)
    blocks: list[TextBlockParam] = [
        {"type": "text", "text": system.persona, "cache_control": {"type": "ephemeral"}}
    ]
    if passages := system.passages_block():
        blocks.append({"type": "text", "text": passages})
    return blocks


def unavailable(error: Exception) -> LlmUnavailable:
    """The plain reason for an SDK or transport failure worth retrying later."""
    if isinstance(error, anthropic.APITimeoutError | httpx2.TimeoutException):
        return LlmUnavailable(kind="timeout", reason="Claude took too long to answer.")
    if isinstance(error, anthropic.RateLimitError) or (
        getattr(error, "type", None) == "rate_limit_error"
    ):
        return LlmUnavailable(kind="rate_limited", reason="Claude is rate limited right now.")
    if isinstance(error, anthropic.APIStatusError) and (
        error.status_code == 529 or getattr(error, "type", None) == "overloaded_error"
    ):
        return LlmUnavailable(kind="overloaded", reason="Claude is overloaded right now.")
    if isinstance(error, anthropic.APIStatusError) and error.status_code >= 500:
        return LlmUnavailable(kind="server_error", reason="Claude's service had an error.")
    if isinstance(error, anthropic.APIConnectionError | httpx2.TransportError):
        return LlmUnavailable(kind="connection", reason="Claude could not be reached.")
    return LlmUnavailable(kind="server_error", reason="Claude's service failed to answer.")


# Worth retrying later: anything but a request Claude refuses (4xx other than 408/409/429).
_RETRYABLE = (
    anthropic.APIConnectionError,
    anthropic.RateLimitError,
    anthropic.InternalServerError,
    httpx2.TransportError,
)


def _cut(error: Exception) -> bool:
    """The connection failed once the answer had begun: the stream was cut off."""
    return isinstance(
        error, httpx2.TransportError | anthropic.APIConnectionError
    ) and not isinstance(error, httpx2.TimeoutException | anthropic.APITimeoutError)


# Error types Claude may also send as an `error` event inside a stream that began with 200.
_TRANSIENT_TYPES = {"overloaded_error", "rate_limit_error", "api_error", "timeout_error"}


def _retryable(error: Exception) -> bool:
    if isinstance(error, anthropic.APIStatusError):
        return (
            error.status_code in {408, 409, 429}
            or error.status_code >= 500
            or getattr(error, "type", None) in _TRANSIENT_TYPES
        )
    return isinstance(error, _RETRYABLE)


def _message(message: LlmMessage) -> MessageParam:
    if message.role == "user":
        return {"role": "user", "content": message.content}
    return {"role": "assistant", "content": message.content}


class AnthropicLlmProvider:
    name = "anthropic"
    label = "Claude (Anthropic)"

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None,
        timeout: float,
        max_retries: int,
        prices: LlmPrices,
    ) -> None:
        self.model = model
        self.prices = prices
        self._client = anthropic.Anthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    def reply_stream(
        self, *, system: PersonaPrompt | str, messages: list[LlmMessage], max_tokens: int
    ) -> LlmStream:
        usage = LlmUsage()
        try:
            events = self._client.messages.create(
                model=self.model,
                max_tokens=max_tokens,
                system=system_blocks(system),
                messages=[_message(m) for m in messages],
                stream=True,
            )
        except Exception as error:
            if _retryable(error):
                raise unavailable(error) from error
            raise
        return LlmStream(
            provider=self.name,
            model=self.model,
            label=self.label,
            chunks=self._texts(events, usage),
            prices=self.prices,
            usage=usage,
        )

    def _texts(self, events: Stream[RawMessageStreamEvent], usage: LlmUsage) -> Iterator[str]:
        finished = False
        try:
            for event in events:
                if event.type == "message_start":
                    start = event.message.usage
                    usage.input_tokens = start.input_tokens or 0
                    usage.output_tokens = start.output_tokens or 0
                    usage.cache_read_tokens = start.cache_read_input_tokens or 0
                    usage.cache_write_tokens = start.cache_creation_input_tokens or 0
                elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                    yield event.delta.text
                elif event.type == "message_delta":
                    usage.output_tokens = event.usage.output_tokens or usage.output_tokens
                elif event.type == "message_stop":
                    finished = True
        except Exception as error:
            if _cut(error):
                raise LlmUnavailable(kind="cut", reason="Claude's answer was cut off.") from error
            if _retryable(error):
                raise unavailable(error) from error
            raise
        finally:
            events.close()
        if not finished:
            raise LlmUnavailable(kind="cut", reason="Claude's answer was cut off.")
