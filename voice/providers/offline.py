"""The offline voice provider: a local generic synthetic voice, no cloning, no network.

It never makes a clone, so nothing of the subject's voice is held remotely through it;
deleting succeeds and says so. Each call is still recorded by the voice services."""

from __future__ import annotations

from voice.providers.base import VoiceProviderResult


class OfflineVoiceProvider:
    name = "offline"

    def delete_voice(self, voice_id: str) -> VoiceProviderResult:
        return VoiceProviderResult(
            ok=True, detail="offline provider: no remote copy of this voice exists"
        )
