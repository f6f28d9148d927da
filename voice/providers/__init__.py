"""Voice providers behind one small interface, chosen by `LEGACY_VOICE_PROVIDER`.

"offline" (the default) is a local generic voice that is not the person's; "elevenlabs" is
the voice service, used only when chosen and given a key. Without a key the offline voice
speaks, and the page says so through the provider's `label`."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from voice.providers.base import (
    AudioFile,
    VoiceProvider,
    VoiceProviderBusy,
    VoiceProviderError,
    VoiceProviderResult,
)
from voice.providers.offline import OfflineVoiceProvider

logger = logging.getLogger(__name__)


def _elevenlabs() -> VoiceProvider:
    from voice.providers.elevenlabs import ElevenLabsVoiceProvider  # the SDK, only when used

    return ElevenLabsVoiceProvider()


PROVIDERS: dict[str, Callable[[], VoiceProvider]] = {
    "offline": OfflineVoiceProvider,
    "elevenlabs": _elevenlabs,
}


_warned: list[bool] = []  # the missing key is logged once per process


class VoiceProviderUnavailable(ImproperlyConfigured):
    """No provider by that name is available in this installation."""


def voice_provider(name: str | None = None) -> VoiceProvider:
    """The provider called `name`, or the configured one. A clone is always deleted through
    the provider that made it, whatever is configured now. ElevenLabs configured without a
    key falls back to the offline voice (a named request for it does not)."""
    if name is None:
        name = settings.LEGACY_VOICE_PROVIDER
        if name == "elevenlabs" and not settings.ELEVENLABS_API_KEY:
            if not _warned:
                _warned.append(True)
                logger.warning("LEGACY_VOICE_PROVIDER=elevenlabs without ELEVENLABS_API_KEY")
            name = "offline"
    factory = PROVIDERS.get(name)
    if factory is None:
        raise VoiceProviderUnavailable(
            f"Voice provider “{name}” is not available (known: {', '.join(sorted(PROVIDERS))})."
        )
    return factory()


def voice_label(provider: VoiceProvider, *, name: str = "", cloned: bool = False) -> str:
    """What the page says about the voice in use, naming the person where the provider can:
    `cloned` when the reply is spoken with a copy of their voice, else a generic voice."""
    label_for = getattr(provider, "label_for", None)
    if name and callable(label_for):
        return str(label_for(name, cloned=cloned))
    return provider.label


LISTEN_OFF_REASON = "Speaking to the twin is off: this Legacy has no speech-to-text set up."


def voice_listen_off_reason(provider: VoiceProvider) -> str:
    """Why the hold-to-speak button is off, in plain words; "" when the provider listens."""
    if provider.can_listen:
        return ""
    return str(getattr(provider, "listen_off_reason", "") or LISTEN_OFF_REASON)


__all__ = [
    "AudioFile",
    "VoiceProvider",
    "VoiceProviderBusy",
    "VoiceProviderError",
    "VoiceProviderResult",
    "VoiceProviderUnavailable",
    "voice_label",
    "voice_listen_off_reason",
    "voice_provider",
]
