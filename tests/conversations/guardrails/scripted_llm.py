"""A test provider that says a given text, word by word, and can hold after a given number
of words until the test lets it go (as `tests.conversations.gated_llm` does)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from twins.providers import LlmMessage, LlmStream, PersonaPrompt
from twins.services import llm


def words(text: str) -> list[str]:
    parts = text.split(" ")
    return [part if n == 0 else " " + part for n, part in enumerate(parts)]


class ScriptedLlmProvider:
    name = "scripted"
    label = "A scripted test model"
    model = "scripted"

    def __init__(self, text: str, hold_dir: Path | None = None, hold_after: int = 0) -> None:
        self.text, self.hold_dir, self.hold_after = text, hold_dir, hold_after

    def reply_stream(
        self, *, system: PersonaPrompt | str, messages: list[LlmMessage], max_tokens: int
    ) -> LlmStream:
        return LlmStream(
            provider=self.name, model=self.model, label=self.label, chunks=self._chunks()
        )

    def _chunks(self) -> Iterator[str]:
        for n, word in enumerate(words(self.text), start=1):
            yield word
            if self.hold_dir is not None and n == self.hold_after:
                deadline = time.monotonic() + 60
                while not (self.hold_dir / "release").exists() and time.monotonic() < deadline:
                    time.sleep(0.02)


def twin_says(
    monkeypatch: pytest.MonkeyPatch, text: str, hold_dir: Path | None = None, hold_after: int = 0
) -> None:
    """From now on in this test, the twin's provider says `text`."""
    monkeypatch.setattr(
        llm,
        "llm_provider",
        lambda name=None: ScriptedLlmProvider(text, hold_dir=hold_dir, hold_after=hold_after),
    )
