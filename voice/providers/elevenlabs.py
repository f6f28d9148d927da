"""ElevenLabs through its official SDK: instant voice clones, streaming speech, speech-to-text.

Only used when `LEGACY_VOICE_PROVIDER=elevenlabs` and a key is set. `ELEVENLABS_BASE_URL`,
when set, points the SDK elsewhere (a proxy, a regional endpoint, the tests' fake server).

Latency: one SDK client (one pool of kept-alive connections) per key and address per
process; the SDK's own retries (which sleep) are off, since the caller decides what to do
(the build retries later with backoff; a spoken reply keeps its text); speech asks for a
low-latency model (ELEVENLABS_TTS_MODEL) and hands each piece of audio on as the network
delivers it, not in fixed-size blocks.

Errors become VoiceProviderError (refused: the key, the request) or VoiceProviderBusy (rate
limited, the service failing or unreachable: worth trying again), each with a notice in
plain words. A speech stream cut part way raises VoiceProviderError from the iterator."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn, cast

import httpx
from django.conf import settings
from elevenlabs.client import ElevenLabs
from elevenlabs.core.api_error import ApiError
from elevenlabs.core.request_options import RequestOptions

from voice.providers.base import (
    AudioFile,
    VoiceProviderBusy,
    VoiceProviderError,
    VoiceProviderResult,
)

logger = logging.getLogger(__name__)

NAME = "ElevenLabs"
# MP3 plays everywhere (and through MediaSource); 64 kb/s is plenty for one voice and keeps
# the first piece small.
OUTPUT_FORMAT = "mp3_44100_64"
# Seconds to wait for a connection or for the next piece of an answer.
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
CLONE_TIMEOUT_S = 120  # uploading a few minutes of audio and making the clone

KEY_NOTICE = (
    "The voice service (ElevenLabs) turned down this Legacy's key: it is missing, wrong, or "
    "not allowed to do this. Whoever runs this Legacy should check ELEVENLABS_API_KEY."
)
BUSY_NOTICE = "The voice service (ElevenLabs) is busy right now."
DOWN_NOTICE = "The voice service (ElevenLabs) had a problem on its side."
UNREACHABLE_NOTICE = "The voice service (ElevenLabs) could not be reached."
CUT_NOTICE = "The voice was cut off part way. The words are all there in writing."


@functools.lru_cache(maxsize=4)
def _client(api_key: str, base_url: str) -> ElevenLabs:
    """One client per key and address, so its connections stay open between calls."""
    http = httpx.Client(
        timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
        follow_redirects=True,
        limits=httpx.Limits(max_keepalive_connections=20, keepalive_expiry=60),
    )
    return ElevenLabs(api_key=api_key, base_url=base_url or None, httpx_client=http)


def _options(*, timeout: int | None = None, **extra: Any) -> RequestOptions:
    options: dict[str, Any] = {"max_retries": 0, **extra}
    if timeout is not None:
        options["timeout_in_seconds"] = timeout
    return cast(RequestOptions, options)


def _api_message(error: ApiError) -> str:
    """The service's own short message, if its answer has one (for logs and records)."""
    body = error.body
    if isinstance(body, dict):
        detail = body.get("detail", body)
        if isinstance(detail, dict):
            return str(detail.get("message") or detail.get("status") or "")[:200]
        return str(detail)[:200]
    return str(body or "")[:200]


def _raise_mapped(error: Exception, *, doing: str) -> NoReturn:
    """Raise `error` again as VoiceProviderError / VoiceProviderBusy with a notice."""
    if isinstance(error, ApiError):
        status = error.status_code or 0
        said = _api_message(error)
        message = f"ElevenLabs {doing}: HTTP {status} {said}".strip()
        if status in (401, 403):
            raise VoiceProviderError(message, notice=KEY_NOTICE) from error
        if status == 429:
            raise VoiceProviderBusy(message, notice=BUSY_NOTICE) from error
        if status >= 500 or status in (408, 409):
            raise VoiceProviderBusy(message, notice=DOWN_NOTICE) from error
        raise VoiceProviderError(
            message, notice=f"The voice service (ElevenLabs) could not {doing}: {said or status}."
        ) from error
    if isinstance(error, httpx.TransportError):
        raise VoiceProviderBusy(
            f"ElevenLabs {doing}: {type(error).__name__}: {error}", notice=UNREACHABLE_NOTICE
        ) from error
    raise error


class ElevenLabsVoiceProvider:
    name = "elevenlabs"
    label = (
        "ElevenLabs: a voice service that makes a copy of their voice from their recordings, "
        "speaks with it, and turns what you say into words"
    )
    can_clone = True
    can_listen = True
    speech_mime = "audio/mpeg"

    def __init__(self) -> None:
        self.tts_model = settings.ELEVENLABS_TTS_MODEL
        self.stt_model = settings.ELEVENLABS_STT_MODEL
        self.generic_voice_id = settings.ELEVENLABS_GENERIC_VOICE_ID

    @property
    def client(self) -> ElevenLabs:
        return _client(settings.ELEVENLABS_API_KEY, settings.ELEVENLABS_BASE_URL)

    def label_for(self, name: str, *, cloned: bool) -> str:
        if cloned:
            return f"ElevenLabs: an AI voice made from {name}'s own recordings"
        return f"ElevenLabs: a generic voice, not {name}'s: no copy of their voice has been made"

    def clone_create(self, *, name: str, samples: Sequence[AudioFile]) -> str:
        """An instant voice clone from `samples`; returns its voice id."""
        try:
            made = self.client.voices.ivc.create(
                name=name,
                files=[(sample.name, sample.content, sample.mime) for sample in samples],
                description="Made by Legacy from the person's recordings, with their consent.",
                request_options=_options(timeout=CLONE_TIMEOUT_S),
            )
        except (ApiError, httpx.TransportError) as error:
            _raise_mapped(error, doing="make the voice")
        return made.voice_id

    def delete_voice(self, voice_id: str) -> VoiceProviderResult:
        """Delete the clone. Its answer is kept in `detail` (for the records and the erasure
        certificate); a voice it does not have (404) is already gone, so that is a success."""
        try:
            answer = self.client.voices.delete(voice_id, request_options=_options(timeout=30))
        except ApiError as error:
            if error.status_code == 404:
                return VoiceProviderResult(
                    ok=True, detail=f"{NAME} answered 404 (no such voice): already deleted"
                )
            return VoiceProviderResult(
                ok=False, detail=f"{NAME} answered {error.status_code}: {_api_message(error)}"
            )
        except httpx.TransportError as error:
            return VoiceProviderResult(
                ok=False, detail=f"{NAME} could not be reached: {type(error).__name__}"
            )
        return VoiceProviderResult(
            ok=True, detail=f"{NAME} answered 200 ({answer.status}): voice deleted"
        )

    def speech_stream(self, *, text: str, voice_id: str | None) -> Iterator[bytes]:
        """MP3 from the streaming endpoint, each piece yielded as soon as it arrives."""
        sent = False
        try:
            stream = self.client.text_to_speech.stream(
                voice_id or self.generic_voice_id,
                text=text,
                model_id=self.tts_model,
                output_format=OUTPUT_FORMAT,
                # None: pass on whatever the network delivered, without waiting for a block.
                request_options=_options(chunk_size=None),
            )
            for chunk in stream:
                if chunk:
                    sent = True
                    yield chunk
        except httpx.TransportError as error:
            if sent:
                raise VoiceProviderError(
                    f"ElevenLabs speech stream cut: {type(error).__name__}: {error}",
                    notice=CUT_NOTICE,
                ) from error
            _raise_mapped(error, doing="speak")
        except ApiError as error:
            _raise_mapped(error, doing="speak")

    def transcribe(self, *, audio: AudioFile, language: str = "en") -> str:
        try:
            heard = self.client.speech_to_text.convert(
                model_id=self.stt_model,
                file=(audio.name, audio.content, audio.mime),
                tag_audio_events=False,
                request_options=_options(timeout=60),
                **cast(dict[str, Any], {"language_code": language} if language else {}),
            )
        except (ApiError, httpx.TransportError) as error:
            _raise_mapped(error, doing="hear the recording")
        text = getattr(heard, "text", None)
        if text is None:
            raise VoiceProviderError(
                f"ElevenLabs speech-to-text answered without text: {type(heard).__name__}",
                notice="The voice service did not send back the words it heard.",
            )
        return str(text).strip()
