"""The twin listening: what a visitor says, held down on a button, written out for them to
correct before they send it (never sent by itself). The audio is heard once and not kept."""

from __future__ import annotations

from voice.providers import VoiceProviderUnavailable, voice_provider
from voice.providers.base import AudioFile, VoiceProviderError

MAX_LISTEN_BYTES = 10 * 1024 * 1024  # about ten minutes of compressed speech
NO_PROVIDER = "Speaking to the twin is off: no voice service is set up here."
NO_LISTENING = (
    "Speaking to the twin is off: the voice service in use here cannot turn speech into "
    "words. You can still write."
)
NOTHING_HEARD = "Nothing was heard. Hold the button while you speak, then let go."


class ListeningRefused(Exception):
    """The audio could not be turned into words; the message says why, in plain words."""


def listening_state() -> tuple[bool, str]:
    """Whether a visitor can speak to the twin here, and if not, why (plain words)."""
    try:
        provider = voice_provider()
    except VoiceProviderUnavailable:
        return False, NO_PROVIDER
    if not getattr(provider, "can_listen", False):
        # the provider's own reason when it has one (the offline model not installed)
        return False, str(getattr(provider, "listen_off_reason", "") or NO_LISTENING)
    return True, ""


def transcript_of(*, content: bytes, mime: str, language: str = "en") -> str:
    """The words spoken in `content` (audio the browser recorded), through the configured
    provider's speech-to-text. Raises ListeningRefused when it cannot."""
    can_listen, reason = listening_state()
    if not can_listen:
        raise ListeningRefused(reason)
    if not content:
        raise ListeningRefused(NOTHING_HEARD)
    if len(content) > MAX_LISTEN_BYTES:
        raise ListeningRefused("That recording is too long. Please say it in a shorter piece.")
    extension = {"audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a"}.get(
        mime.split(";")[0].strip(), "audio"
    )
    audio = AudioFile(name=f"speech.{extension}", content=content, mime=mime or "audio/webm")
    try:
        text = voice_provider().transcribe(audio=audio, language=language)
    except VoiceProviderError as error:
        raise ListeningRefused(error.notice) from error
    text = text.strip()
    if not text:
        raise ListeningRefused(NOTHING_HEARD)
    return text
