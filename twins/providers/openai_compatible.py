"""Any OpenAI-compatible chat server (Ollama, vLLM, llama.cpp's server, OpenAI itself) through
the official `openai` SDK with `base_url`, streaming, with usage in the last chunk."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import openai
from openai import Stream
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessageParam

from twins.providers.base import (
    LlmMessage,
    LlmPrices,
    LlmStream,
    LlmUnavailable,
    LlmUsage,
    PersonaPrompt,
)


def chat_messages(
    *, system: PersonaPrompt | str, messages: list[LlmMessage]
) -> list[ChatCompletionMessageParam]:
    if isinstance(system, str):
        system = PersonaPrompt(persona=system)
    # The persona first and unchanged, so servers that cache prompt prefixes can reuse it.
    content = "\n\n".join(part for part in (system.persona, system.passages_block()) if part)
    chat: list[ChatCompletionMessageParam] = [{"role": "system", "content": content}]
    for message in messages:
        if message.role == "user":
            chat.append({"role": "user", "content": message.content})
        else:
            chat.append({"role": "assistant", "content": message.content})
    return chat


def unavailable(error: Exception) -> LlmUnavailable:
    """The plain reason for an SDK or transport failure worth retrying later."""
    if isinstance(error, openai.APITimeoutError | httpx2.TimeoutException):
        return LlmUnavailable(kind="timeout", reason="The language model took too long.")
    if isinstance(error, openai.RateLimitError):
        return LlmUnavailable(kind="rate_limited", reason="The language model is rate limited.")
    if isinstance(error, openai.APIStatusError) and error.status_code in {503, 529}:
        return LlmUnavailable(kind="overloaded", reason="The language model is overloaded.")
    if isinstance(error, openai.APIStatusError) and error.status_code >= 500:
        return LlmUnavailable(kind="server_error", reason="The language model server failed.")
    return LlmUnavailable(kind="connection", reason="The language model could not be reached.")


def _cut(error: Exception) -> bool:
    """The connection failed once the answer had begun: the stream was cut off."""
    return isinstance(error, httpx2.TransportError | openai.APIConnectionError) and not isinstance(
        error, httpx2.TimeoutException | openai.APITimeoutError
    )


def _retryable(error: Exception) -> bool:
    if isinstance(error, openai.APIStatusError):
        return error.status_code in {408, 409, 429} or error.status_code >= 500
    return isinstance(error, openai.APIConnectionError | httpx2.TransportError)


class OpenAiCompatibleLlmProvider:
    name = "openai"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        model: str,
        timeout: float,
        max_retries: int,
        prices: LlmPrices,
    ) -> None:
        self.model = model
        self.prices = prices
        self.label = f"{model} (OpenAI-compatible server)"
        # Local servers ignore the key, but the SDK needs one.
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            timeout=timeout,
            max_retries=max_retries,
        )

    def reply_stream(
        self, *, system: PersonaPrompt | str, messages: list[LlmMessage], max_tokens: int
    ) -> LlmStream:
        usage = LlmUsage()
        try:
            chunks = self._client.chat.completions.create(
                model=self.model,
                max_tokens=max_tokens,
                messages=chat_messages(system=system, messages=messages),
                stream=True,
                stream_options={"include_usage": True},
            )
        except Exception as error:
            if _retryable(error):
                raise unavailable(error) from error
            raise
        return LlmStream(
            provider=self.name,
            model=self.model,
            label=self.label,
            chunks=self._texts(chunks, usage),
            prices=self.prices,
            usage=usage,
        )

    def _texts(self, chunks: Stream[ChatCompletionChunk], usage: LlmUsage) -> Iterator[str]:
        finished = False
        try:
            for chunk in chunks:
                for choice in chunk.choices:
                    if choice.delta.content:
                        yield choice.delta.content
                    if choice.finish_reason:
                        finished = True
                if chunk.usage:
                    details = chunk.usage.prompt_tokens_details
                    cached = (details.cached_tokens or 0) if details else 0
                    # As Anthropic counts them: input tokens are the ones not read from cache.
                    usage.input_tokens = chunk.usage.prompt_tokens - cached
                    usage.cache_read_tokens = cached
                    usage.output_tokens = chunk.usage.completion_tokens
        except Exception as error:
            if _cut(error):
                raise LlmUnavailable(
                    kind="cut", reason="The language model's answer was cut off."
                ) from error
            if _retryable(error):
                raise unavailable(error) from error
            raise
        finally:
            chunks.close()
        if not finished:
            raise LlmUnavailable(kind="cut", reason="The language model's answer was cut off.")
