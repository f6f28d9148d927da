"""A test provider that streams a known reply word by word and holds after its first sentence
until the test lets it go: a reply caught mid-stream, for as long as a test needs. (The
outbound guard sends a reply sentence by sentence, so the first sentence is what the
visitor has been sent while it holds: `FIRST_SENTENCE`.)

It writes `<hold dir>/first` once the first sentence is out, and goes on when
`<hold dir>/release` exists (files, so a worker process can be held too)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

from twins.providers import LlmMessage, LlmStream, PersonaPrompt
from twins.services import llm

FIRST_SENTENCE = "I remember the sea at Falmouth."
REPLY = f"{FIRST_SENTENCE} Three dolphins jumped beside the boat, all the way home."
LABEL = "A test model"


def reply_words() -> list[str]:
    words = REPLY.split(" ")
    return [word if n == 0 else " " + word for n, word in enumerate(words)]


class GatedLlmProvider:
    name = "gated"
    label = LABEL
    model = "gated"

    def __init__(self, hold_dir: Path) -> None:
        self.hold_dir = hold_dir

    def reply_stream(
        self, *, system: PersonaPrompt | str, messages: list[LlmMessage], max_tokens: int
    ) -> LlmStream:
        return LlmStream(
            provider=self.name, model=self.model, label=self.label, chunks=self._chunks()
        )

    def _chunks(self) -> Iterator[str]:
        held_after = len(FIRST_SENTENCE.split(" ")) - 1
        for n, word in enumerate(reply_words()):
            yield word
            if n == held_after:
                (self.hold_dir / "first").write_text("out")
                deadline = time.monotonic() + 60
                while not (self.hold_dir / "release").exists() and time.monotonic() < deadline:
                    time.sleep(0.02)


def gated_provider_install(hold_dir: Path) -> None:
    """Make the twin's replies come from a GatedLlmProvider, in this process for good (a
    worker's; tests in the test process use the `gated` fixture, which undoes it)."""
    llm.llm_provider = lambda name=None: GatedLlmProvider(hold_dir)  # type: ignore[assignment]
