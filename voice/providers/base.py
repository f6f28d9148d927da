"""The voice provider interface. Callers use `voice.providers.voice_provider()`.

One provider does what a voice service does for Legacy: make a clone of the subject's voice
from samples, delete it, speak text (streamed, in the clone's voice or a generic one) and
hear speech (speech-to-text). A provider that cannot do one of these says so through its
`can_*` flags, and the page says why that part is off."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from core.tasks import TransientError


@dataclass(frozen=True)
class VoiceProviderResult:
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class AudioFile:
    """Audio handed to a provider: the bytes (already decrypted), a file name, its type."""

    name: str
    content: bytes
    mime: str


class VoiceProviderError(Exception):
    """A provider refused or failed. `notice` is what a person is shown, in plain words."""

    def __init__(self, message: str, *, notice: str = "") -> None:
        super().__init__(message)
        self.notice = notice or "The voice service could not be reached."

    @property
    def reason(self) -> str:
        """What a build's progress says when it waits or stops for this (`twins.tasks`)."""
        return self.notice


class VoiceProviderBusy(VoiceProviderError, TransientError):
    """Worth trying again later: rate limited (429), overloaded or unreachable (5xx, network)."""


class VoiceProvider(Protocol):
    name: str
    label: str  # shown on pages: which voice service is in use, and what that means
    can_clone: bool  # makes a copy of the subject's voice
    can_listen: bool  # has speech-to-text
    speech_mime: str  # the audio type `speech_stream` yields, e.g. "audio/mpeg"

    def clone_create(self, *, name: str, samples: Sequence[AudioFile]) -> str:
        """Make a clone of the voice in `samples`; returns the provider's id for it."""
        ...

    def delete_voice(self, voice_id: str) -> VoiceProviderResult:
        """Delete a cloned voice at the provider. A voice already gone counts as deleted."""
        ...

    def speech_stream(self, *, text: str, voice_id: str | None) -> Iterator[bytes]:
        """Speak `text` (one sentence or a few) in the clone `voice_id`, or the provider's
        generic voice when None; yields audio bytes as they are made."""
        ...

    def transcribe(self, *, audio: AudioFile, language: str = "en") -> str:
        """The words spoken in `audio`. Only called when `can_listen`."""
        ...
