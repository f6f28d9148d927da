"""A test double voice provider for speaking and listening: zero latency, a short wav tone
per sentence (real audio, so it can be joined and tagged), told to fail when a test says so.
Registered in `voice.providers.PROVIDERS` and chosen by settings (`speaking_double`)."""

from __future__ import annotations

import io
import math
import os
import struct
import threading
import wave
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import pytest
from django.db import connection

from voice.providers import PROVIDERS
from voice.providers.base import AudioFile, VoiceProviderError, VoiceProviderResult

RATE = 16000
TRANSCRIPT = "Do you remember the garden in May?"
BUSY_NOTICE = "The voice service is busy just now."


def tone(text: str, seconds: float = 0.05) -> bytes:
    """A short wav whose pitch depends on `text`: each sentence's audio is its own."""
    freq = 220 + sum(text.encode()) % 600
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(6000 * math.sin(2 * math.pi * freq * n / RATE)))
                for n in range(int(seconds * RATE))
            )
        )
    return buffer.getvalue()


class SpeakingDouble:
    name = "double"
    label = "A test voice"
    can_clone = False
    can_listen = True
    speech_mime = "audio/wav"
    # What a test tells it (class-wide: the provider is made afresh for each use).
    fail_from: ClassVar[int | None] = None  # fail from the n-th sentence spoken (0 = first)
    spoken: ClassVar[list[tuple[str, str | None]]] = []  # (text, voice id) in order
    heard: ClassVar[list[AudioFile]] = []

    def clone_create(self, *, name: str, samples: Sequence[AudioFile]) -> str:
        raise VoiceProviderError("no cloning here")

    def delete_voice(self, voice_id: str) -> VoiceProviderResult:
        return VoiceProviderResult(ok=True)

    def speech_stream(self, *, text: str, voice_id: str | None) -> Iterator[bytes]:
        if self.fail_from is not None and len(self.spoken) >= self.fail_from:
            raise VoiceProviderError("503 from the double", notice=BUSY_NOTICE)
        type(self).spoken.append((text, voice_id))
        audio = tone(text, seconds=float(os.environ.get("LEGACY_TEST_TONE_SECONDS", "0.05")))
        yield audio[:100]  # in two pieces, as a stream comes
        yield audio[100:]

    def transcribe(self, *, audio: AudioFile, language: str = "en") -> str:
        type(self).heard.append(audio)
        return TRANSCRIPT


class DeafDouble(SpeakingDouble):
    name = "deaf"
    can_listen = False


def speech_in_threads(monkeypatch) -> list[threading.Thread]:
    """Each reply's speaking task (queued on the speech queue) runs at once in a thread of
    this process, through the task itself, as the speech worker would run it."""
    from voice.tasks import voice_reply_speak

    threads: list[threading.Thread] = []

    def apply_async(kwargs: dict[str, Any] | None = None, **_: Any) -> None:
        def run() -> None:
            try:
                voice_reply_speak.apply(kwargs=kwargs)
            finally:
                connection.close()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        threads.append(thread)

    monkeypatch.setattr(voice_reply_speak, "apply_async", apply_async)
    return threads


@pytest.fixture
def speaking_double(settings, monkeypatch) -> Iterator[type[SpeakingDouble]]:
    monkeypatch.setitem(PROVIDERS, "double", SpeakingDouble)
    monkeypatch.setattr(SpeakingDouble, "fail_from", None)
    monkeypatch.setattr(SpeakingDouble, "spoken", [])
    monkeypatch.setattr(SpeakingDouble, "heard", [])
    settings.LEGACY_VOICE_PROVIDER = "double"
    settings.LEGACY_SPEAK_REPLIES = True
    threads = speech_in_threads(monkeypatch)
    yield SpeakingDouble
    for thread in threads:
        thread.join(timeout=30)


@pytest.fixture
def deaf_double(settings, monkeypatch) -> type[DeafDouble]:
    monkeypatch.setitem(PROVIDERS, "deaf", DeafDouble)
    settings.LEGACY_VOICE_PROVIDER = "deaf"
    return DeafDouble


def register_from_environment() -> None:
    """In another process (a worker, a server): the double registered, as the tests' own
    process registers it through the fixture."""
    PROVIDERS["double"] = SpeakingDouble  # type: ignore[assignment]
