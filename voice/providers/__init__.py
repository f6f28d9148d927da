"""Voice providers behind one small interface, chosen by `LEGACY_VOICE_PROVIDER`."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from voice.providers.base import VoiceProvider, VoiceProviderResult
from voice.providers.offline import OfflineVoiceProvider

PROVIDERS: dict[str, Callable[[], VoiceProvider]] = {"offline": OfflineVoiceProvider}


class VoiceProviderUnavailable(ImproperlyConfigured):
    """No provider by that name is available in this installation."""


def voice_provider(name: str | None = None) -> VoiceProvider:
    """The provider called `name`, or the configured one. A clone is always deleted through
    the provider that made it, whatever is configured now."""
    name = name or settings.LEGACY_VOICE_PROVIDER
    factory = PROVIDERS.get(name)
    if factory is None:
        raise VoiceProviderUnavailable(
            f"Voice provider “{name}” is not available (known: {', '.join(sorted(PROVIDERS))})."
        )
    return factory()


__all__ = ["VoiceProvider", "VoiceProviderResult", "VoiceProviderUnavailable", "voice_provider"]
