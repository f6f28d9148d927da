"""The LLM provider interface. Callers use `twins.providers.llm_provider()`; none imports an SDK.

A provider streams a reply as text chunks through an `LlmStream`; once the stream is used up,
its `usage` holds the token counts the provider reported and `cost` the estimate from the
configured prices. A provider that fails in a way worth retrying later (rate limited, busy,
a server error, a timeout, a stream cut off) raises `LlmUnavailable` after its SDK's retries.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

from core.tasks import TransientError

PER_MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class PersonaPrompt:
    """What a twin is told before the conversation.

        `persona` is the stable pack (who the person was, how to speak, the rules), the same on
        every turn, so providers that cache prompts mark it cacheable. `passages` are the texts
        retrieved for this turn, from the person's writing (`passage_speakers` names those someone
    else wrote to them); they change each turn. `turn`
        holds this turn's other instructions (what the visitor told them before, the project's
        decision to abstain or decline); it follows the passages, outside the cached prefix.
        `abstain` and `decline` carry that decision for providers without a model (the offline
        responder), which then say they don't remember, or decline, themselves."""

    persona: str
    passages: tuple[str, ...] = ()
    # Who wrote each passage, in order: "" for the person themselves, else the name of the
    # one who wrote it to them (empty tuple: all theirs).
    passage_speakers: tuple[str, ...] = ()
    turn: str = ""
    abstain: bool = False
    decline: bool = False

    def attributed(self) -> list[tuple[str, str]]:
        """(passage, who wrote it to them or "" for the person), in order."""
        speakers = self.passage_speakers or ("",) * len(self.passages)
        return list(zip(self.passages, speakers, strict=True))

    def passages_block(self) -> str:
        parts = []
        if self.passages:
            listed = "\n\n".join(
                f"[{n}] {text}" if not speaker else f"[{n}] ({speaker} wrote this to them) {text}"
                for n, (text, speaker) in enumerate(self.attributed(), 1)
            )
            parts.append(f"Passages from their writing, retrieved for this question:\n\n{listed}")
        if self.turn.strip():
            parts.append(self.turn.strip())
        return "\n\n".join(parts)


@dataclass(frozen=True)
class LlmMessage:
    role: Literal["user", "assistant"]
    content: str


@dataclass
class LlmUsage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


@dataclass(frozen=True)
class LlmPrices:
    """Prices per million tokens, in the billing currency, for the cost estimate."""

    input: Decimal = Decimal(0)
    output: Decimal = Decimal(0)
    cache_read: Decimal = Decimal(0)
    cache_write: Decimal = Decimal(0)

    @classmethod
    def from_setting(cls, values: Sequence[str]) -> LlmPrices:
        """From "input,output,cache_read,cache_write"; missing ones are free."""
        prices = [Decimal(value) for value in values] + [Decimal(0)] * 4
        return cls(*prices[:4])

    def cost(self, usage: LlmUsage) -> Decimal:
        total = (
            usage.input_tokens * self.input
            + usage.output_tokens * self.output
            + usage.cache_read_tokens * self.cache_read
            + usage.cache_write_tokens * self.cache_write
        )
        return (total / PER_MILLION).quantize(Decimal("0.000001"))


class LlmUnavailable(TransientError):
    """The provider could not answer now. `kind` is one of `KINDS`; `reason` is for people."""

    KINDS = ("rate_limited", "overloaded", "server_error", "timeout", "connection", "cut")

    def __init__(self, *, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass
class LlmStream:
    """A reply being streamed: iterate it for text chunks, once.

    `usage` and `cost` fill in as the provider reports them; they are final once the
    iteration has ended without an error."""

    provider: str
    model: str
    label: str
    chunks: Iterator[str]
    prices: LlmPrices = field(default_factory=LlmPrices)
    usage: LlmUsage = field(default_factory=LlmUsage)

    def __iter__(self) -> Iterator[str]:
        return self.chunks

    @property
    def cost(self) -> Decimal:
        return self.prices.cost(self.usage)


class LlmProvider(Protocol):
    name: str  # "offline", "anthropic", "openai"
    label: str  # named on the page: "Claude (Anthropic)"
    model: str

    def reply_stream(
        self, *, system: PersonaPrompt | str, messages: list[LlmMessage], max_tokens: int
    ) -> LlmStream:
        """Start a reply. Raises `LlmUnavailable` (at once or while iterating)."""
        ...
