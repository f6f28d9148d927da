"""Writes for twins: recording LLM calls, and a reply that falls back to the person's words."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

from twins.models import LlmCall
from twins.providers import (
    LlmMessage,
    LlmProvider,
    LlmStream,
    LlmUnavailable,
    LlmUsage,
    PersonaPrompt,
    llm_provider,
)
from twins.providers.offline import OfflineLlmProvider


def llm_call_record(
    *,
    memorial_id: uuid.UUID | str,
    stream: LlmStream,
    purpose: str = LlmCall.Purpose.TWIN_REPLY,
    error_kind: str = "",
) -> LlmCall:
    """Record one call with the tokens its provider reported (partial ones when it failed)."""
    usage = stream.usage
    return LlmCall.objects.create(
        memorial_id=memorial_id,
        provider=stream.provider,
        model=stream.model,
        purpose=purpose,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_read_tokens=usage.cache_read_tokens,
        cache_write_tokens=usage.cache_write_tokens,
        cost_estimate=stream.cost,
        ok=not error_kind,
        error_kind=error_kind,
    )


def llm_calls_count(memorial_id: uuid.UUID) -> int:
    return LlmCall.objects.filter(memorial_id=memorial_id).count()


def llm_calls_erase(memorial_id: uuid.UUID) -> int:
    deleted, _ = LlmCall.objects.filter(memorial_id=memorial_id).delete()
    return deleted


class TwinReply:
    """A reply streamed from the configured provider, or from the offline responder when that
    provider is unavailable. Iterate it once for text chunks.

    When it falls back, `fell_back` is set before the first offline chunk, `notice` says why in
    plain words and `label` names the offline responder. Text the provider had already sent
    stays sent; `partial` holds it, so a page can replace it.

    Each call is recorded as it ends: the provider's (ok, or failed with its kind and the
    tokens reported before the failure) and the offline one. A reply left unfinished by its
    reader is not recorded, nor one whose provider refused the request itself (a 4xx other
    than 408/409/429): that error is raised to the caller."""

    def __init__(
        self,
        *,
        memorial_id: uuid.UUID | str,
        system: PersonaPrompt | str,
        messages: list[LlmMessage],
        max_tokens: int,
        provider: LlmProvider,
        purpose: str,
    ) -> None:
        self.memorial_id = memorial_id
        self.system = system
        self.messages = messages
        self.max_tokens = max_tokens
        self.provider = provider
        self.purpose = purpose
        self.label = provider.label
        self.fell_back = False
        self.notice = ""
        self.partial = ""
        self.cost = Decimal(0)
        self.usage = LlmUsage()  # every call this reply recorded, summed (for usage counts)

    def _counted(self, call: LlmCall) -> None:
        self.usage.input_tokens += call.input_tokens
        self.usage.output_tokens += call.output_tokens
        self.usage.cache_read_tokens += call.cache_read_tokens
        self.usage.cache_write_tokens += call.cache_write_tokens

    def __iter__(self) -> Iterator[str]:
        stream: LlmStream | None = None
        try:
            stream = self.provider.reply_stream(
                system=self.system, messages=self.messages, max_tokens=self.max_tokens
            )
            for chunk in stream:
                self.partial += chunk
                yield chunk
        except LlmUnavailable as error:
            if stream is not None:
                self._counted(
                    llm_call_record(
                        memorial_id=self.memorial_id,
                        stream=stream,
                        purpose=self.purpose,
                        error_kind=error.kind,
                    )
                )
            else:
                LlmCall.objects.create(
                    memorial_id=self.memorial_id,
                    provider=self.provider.name,
                    model=self.provider.model,
                    purpose=self.purpose,
                    ok=False,
                    error_kind=error.kind,
                )
            yield from self._offline(reason=error.reason)
            return
        self._counted(
            llm_call_record(memorial_id=self.memorial_id, stream=stream, purpose=self.purpose)
        )
        self.cost = stream.cost

    def _offline(self, *, reason: str) -> Iterator[str]:
        offline = OfflineLlmProvider()
        self.fell_back = True
        self.label = offline.label
        self.notice = f"{reason} These are sentences they wrote instead."
        stream = offline.reply_stream(
            system=self.system, messages=self.messages, max_tokens=self.max_tokens
        )
        yield from stream
        self._counted(
            llm_call_record(memorial_id=self.memorial_id, stream=stream, purpose=self.purpose)
        )


def reply_with_fallback(
    *,
    memorial_id: uuid.UUID | str,
    system: PersonaPrompt | str,
    messages: list[LlmMessage],
    max_tokens: int = 1024,
    provider: LlmProvider | None = None,
    purpose: str = LlmCall.Purpose.TWIN_REPLY,
) -> TwinReply:
    """The configured provider's reply (or `provider`'s), degrading to the offline responder."""
    return TwinReply(
        memorial_id=memorial_id,
        system=system,
        messages=messages,
        max_tokens=max_tokens,
        provider=provider or llm_provider(),
        purpose=purpose,
    )
