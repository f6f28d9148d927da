"""The voice provider interface. Callers use `voice.providers.voice_provider()`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class VoiceProviderResult:
    ok: bool
    detail: str = ""


class VoiceProvider(Protocol):
    name: str

    def delete_voice(self, voice_id: str) -> VoiceProviderResult:
        """Delete a cloned voice at the provider. A voice already gone counts as deleted."""
        ...
