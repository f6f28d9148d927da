"""Listening to a voice sample: decode it, measure it, and say in plain words whether it will
make a good voice.

Decoding is PyAV (FFmpeg), so wav, mp3, m4a/aac, ogg/opus, webm and flac all read the same
way. The measures:

- `duration_s` from the decoded samples (not the header's claim), `sample_rate`, `channels`;
  the other figures are measured on the first five minutes (`KEEP_S`);
- `loudness_lufs`: integrated loudness, ITU-R BS.1770 (pyloudnorm), None for silence or a
  clip shorter than one 400 ms gating block;
- `clipped_share`: the share of samples at full scale in runs of two or more (a lone peak
  that touches full scale is not clipping);
- speech against silence: the mono signal is cut into 20 ms frames; the noise floor is the
  10th percentile of their levels; a frame is speech when it stands clearly above that floor
  (a threshold that adapts to the file: a third of the way from the floor to the loud
  frames, at least 6 dB above the floor) and above -60 dBFS; short gaps inside a phrase are
  bridged and lone blips dropped. `speech_share` is the speech frames' share of the clip;
- `noise_floor_db` (dBFS) and `snr_db`: the speech frames' mean level over the floor;
- `steady_background`: a hint, not a detector: pauses that are not quiet and are filled
  with sharp spectral lines (unlike room noise or hiss) are what music or a hum behind the
  voice sounds like.

This module needs no Django: `python -m voice.analysis FILE...` prints one JSON object a line.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np

FRAME_S = 0.02
CLIP_LEVEL = 0.999  # -0.009 dBFS: what a clipped waveform sits at
SILENCE_DB = -100.0  # digital silence is counted at this level (not minus infinity)
SPEECH_MIN_DB = -60.0  # quieter than this is never taken for a voice
SPEECH_BRIDGE_S = 0.3  # pauses this short inside a phrase count as speech
SPEECH_MIN_S = 0.08  # bursts shorter than this are clicks, not speech
KEEP_S = 300.0  # the figures are measured on the first five minutes; the length is all of it

# What instant cloning wants: one to two minutes of clean speech; past three, no gain.
SET_SPEECH_ENOUGH_S = 60.0
SET_SPEECH_PLENTY_S = 180.0
SET_SPEECH_MINIMUM_S = 30.0


class AudioUnreadable(Exception):
    """A file that cannot be analysed. `kind` is "empty", "not_audio" or "damaged";
    the message says so in plain words."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class DecodedAudio:
    samples: np.ndarray  # float32, shape (channels, n), full scale = 1.0
    sample_rate: int
    channels: int
    header_duration_s: float | None  # what the file's own header says, when it says
    container: str = ""  # FFmpeg's name for the file's format, e.g. "mp3", "ogg"
    total_samples: int | None = None  # per channel, when more were decoded than kept

    @property
    def duration_s(self) -> float:
        """The length of the sound decoded (all of it, not only what was kept)."""
        count = self.samples.shape[1] if self.total_samples is None else self.total_samples
        return count / self.sample_rate if self.sample_rate else 0.0

    @property
    def mono(self) -> np.ndarray:
        return np.asarray(self.samples.mean(axis=0), dtype=np.float32)


@dataclass
class SampleAnalysis:
    duration_s: float
    sample_rate: int
    channels: int
    loudness_lufs: float | None
    clipped_share: float
    speech_share: float
    speech_s: float
    noise_floor_db: float
    snr_db: float | None
    steady_background: bool
    verdict: str  # good | usable | poor
    advice: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # short codes, e.g. "clipped"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- decoding ----------------------------------------------------------------------------


def _header_duration(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / av.time_base
    return None


# The first bytes of the formats we read: a file that starts like one of them but will not
# open is a damaged recording, not some other kind of file.
_MAGIC = (b"RIFF", b"fLaC", b"OggS", b"ID3", b"\x1a\x45\xdf\xa3", b"\xff\xfb", b"\xff\xf3",
          b"\xff\xf2", b"\xff\xf1", b"\xff\xf9")  # fmt: skip


def _starts_like_audio(head: bytes) -> bool:
    return head.startswith(_MAGIC) or head[4:8] == b"ftyp"


def _wav_missing_bytes(path: Path) -> int:
    """For a WAV file: how many bytes of sound its header promises that are not there
    (FFmpeg quietly reads what there is). 0 for other files, and for streamed WAV whose
    header gives no size."""
    with path.open("rb") as file:
        head = file.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return 0
        size = path.stat().st_size
        while chunk := file.read(8):
            if len(chunk) < 8:
                return 0
            length = int.from_bytes(chunk[4:8], "little")
            if chunk[:4] == b"data":
                if length in (0, 0xFFFFFFFF):
                    return 0
                return max(0, length - (size - file.tell()))
            file.seek(length + (length & 1), 1)
    return 0


def audio_decode(path: str | Path) -> DecodedAudio:
    """The file's first audio stream as float samples, every channel kept (its first
    `KEEP_S` seconds: a long file is decoded to the end, for its length and its faults, but
    only that much of it is held in memory and measured).

    Raises AudioUnreadable: "empty" for a file with no bytes or no sound in it, "not_audio"
    for anything FFmpeg cannot open as sound, "damaged" for a file whose audio breaks off
    (a decoding error, or far less sound than its header announces)."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise AudioUnreadable("empty", "This file is empty: it has no sound in it.")
    with path.open("rb") as file:
        head = file.read(16)
    try:
        container = av.open(str(path), mode="r")
    except (av.error.InvalidDataError, UnicodeDecodeError) as error:
        if _starts_like_audio(head):
            raise AudioUnreadable(
                "damaged",
                "This recording seems damaged: it starts like a sound file, but the rest of "
                "it cannot be read. If you have the original recording, try that one.",
            ) from error
        raise AudioUnreadable(
            "not_audio",
            "This file is not a sound recording we can read. Try a recording saved as "
            "mp3, m4a, wav, ogg, webm or flac.",
        ) from error
    except av.error.FFmpegError as error:
        raise AudioUnreadable(
            "damaged", "This file seems damaged: it could not be opened as sound."
        ) from error
    with container:
        if not container.streams.audio:
            raise AudioUnreadable(
                "not_audio",
                "There is no sound in this file: it is a picture, a video without sound, "
                "or another kind of file.",
            )
        stream = container.streams.audio[0]
        header = _header_duration(container, stream)
        container_format = container.format.name
        chunks: list[np.ndarray] = []
        resampler = None
        broken = False
        kept = total = 0

        def keep(out: Any) -> None:
            nonlocal kept, total
            array = out.to_ndarray()
            total += array.shape[1]
            room = int(KEEP_S * rate) - kept
            if room > 0:
                chunks.append(array[:, :room])
                kept += min(room, array.shape[1])

        try:
            for frame in container.decode(stream):
                if resampler is None:
                    resampler = av.AudioResampler(
                        format="fltp", layout=frame.layout.name, rate=frame.sample_rate
                    )
                    rate, channels = frame.sample_rate, len(frame.layout.channels)
                for out in resampler.resample(frame):
                    keep(out)
            if resampler is not None:
                for out in resampler.resample(None):
                    keep(out)
        except av.error.FFmpegError:
            broken = True
    if resampler is None:
        if broken:
            raise AudioUnreadable(
                "damaged", "This file seems damaged: none of its sound could be read."
            )
        raise AudioUnreadable("empty", "This recording is empty: it holds no sound.")
    samples = np.concatenate(chunks, axis=1).astype(np.float32, copy=False)
    decoded = DecodedAudio(samples, rate, channels, header, container_format, total)
    missing = _wav_missing_bytes(path)
    if missing and header is not None:
        header += missing / (decoded.samples.shape[0] * 2 * rate)  # at least 16-bit samples
    if broken or (header is not None and header - decoded.duration_s > max(0.5, 0.02 * header)):
        read, whole = decoded.duration_s, header or decoded.duration_s
        raise AudioUnreadable(
            "damaged",
            f"This file seems damaged: it breaks off after {read:.1f} seconds"
            + (f" of {whole:.1f}." if whole > read else ".")
            + " If you have the original recording, try that one.",
        )
    if decoded.samples.shape[1] == 0:
        raise AudioUnreadable("empty", "This recording is empty: it holds no sound.")
    return decoded


_MIMES = {
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "ogg": "audio/ogg",
    "matroska,webm": "audio/webm",
    "mov,mp4,m4a,3gp,3g2,mj2": "audio/mp4",
    "aac": "audio/aac",
}


def audio_mime(container_format: str) -> str:
    """The media type for FFmpeg's format name (what a browser needs to play it back)."""
    return _MIMES.get(container_format, "application/octet-stream")


# --- measuring ---------------------------------------------------------------------------


def _frame_levels_db(mono: np.ndarray, rate: int) -> np.ndarray:
    size = max(1, int(rate * FRAME_S))
    count = len(mono) // size
    frames = mono[None, :] if count == 0 else mono[: count * size].reshape(count, size)
    rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
    with np.errstate(divide="ignore"):
        levels = 20.0 * np.log10(rms)
    return np.maximum(levels, SILENCE_DB)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def speech_frames(levels: np.ndarray) -> tuple[np.ndarray, float]:
    """Which frames hold speech, and the noise floor (dBFS), with a threshold that adapts to
    the file's own floor and loud frames (see the module's docstring)."""
    floor = float(np.percentile(levels, 10))
    loud = float(np.percentile(levels, 95))
    if loud - floor < 6.0:  # a steady level throughout: silence, or one constant sound
        return np.zeros(len(levels), dtype=bool), floor
    threshold = max(floor + 6.0, floor + (loud - floor) / 3.0, SPEECH_MIN_DB)
    mask = levels > threshold
    bridge = round(SPEECH_BRIDGE_S / FRAME_S)
    runs = _runs(mask)
    for (_, end), (start, _) in itertools.pairwise(runs):
        if start - end <= bridge:
            mask[end:start] = True
    shortest = round(SPEECH_MIN_S / FRAME_S)
    for start, end in _runs(mask):
        if end - start < shortest:
            mask[start:end] = False
    return mask, floor


def clipped_share(samples: np.ndarray) -> float:
    """Samples at full scale in runs of two or more, over all samples of all channels."""
    if samples.size == 0:
        return 0.0
    at_top = np.abs(samples) >= CLIP_LEVEL
    paired = at_top[:, 1:] & at_top[:, :-1]
    flagged = np.zeros_like(at_top)
    flagged[:, 1:] |= paired
    flagged[:, :-1] |= paired
    return float(flagged.sum()) / samples.size


def loudness_lufs(samples: np.ndarray, rate: int) -> float | None:
    if samples.shape[1] < int(0.4 * rate) + 1:
        return None
    import pyloudnorm  # here: it brings scipy.signal, ~0.6 s to import in every process

    meter = pyloudnorm.Meter(rate)
    data = samples.T.astype(np.float64)
    value = float(meter.integrated_loudness(data if data.shape[1] > 1 else data[:, 0]))
    return round(value, 1) if math.isfinite(value) else None


def _pause_peakiness_db(frames: np.ndarray, rate: int) -> float:
    """How far the strongest line of the pauses' average spectrum (80 Hz to 4 kHz) stands
    above its median, in dB: room noise and hiss are smooth (about 0 to 30 dB), music and
    hums are lines (40 dB and more)."""
    size = 4096
    window = np.hanning(frames.shape[1])
    power = np.mean(np.abs(np.fft.rfft(frames * window, n=size, axis=1)) ** 2, axis=0)
    freqs = np.fft.rfftfreq(size, 1.0 / rate)
    band = power[(freqs > 80) & (freqs < 4000)] + 1e-20
    return float(10.0 * np.log10(band.max() / np.median(band)))


def _steady_background(
    mono: np.ndarray, rate: int, levels: np.ndarray, speech: np.ndarray, floor: float
) -> bool:
    """A hint that music or another steady, tonal sound is behind the voice: the pauses are
    not quiet (a floor above -50 dBFS) and, over at least half a second of them, their
    spectrum has sharp lines (see `_pause_peakiness_db`). A recording without such pauses
    gets no hint: a fast talker in a noisy room looks the same."""
    if floor <= -50.0:
        return False
    size = max(1, int(rate * FRAME_S))
    count = min(len(speech), len(mono) // size)
    pauses = np.flatnonzero(~speech[:count] & (levels[:count] < floor + 3.0))
    if len(pauses) < int(0.5 / FRAME_S):
        return False
    frames = mono[: count * size].reshape(count, size)[pauses].astype(np.float64)
    return _pause_peakiness_db(frames, rate) >= 38.0


def audio_analyse(decoded: DecodedAudio) -> SampleAnalysis:
    """The figures for one decoded clip, a verdict and advice."""
    mono = decoded.mono
    levels = _frame_levels_db(mono, decoded.sample_rate)
    speech, floor = speech_frames(levels)
    speech_share = float(speech.mean()) if len(speech) else 0.0
    speech_s = float(speech.sum()) * FRAME_S
    snr = None
    if speech.any():
        power = np.mean(np.power(10.0, levels[speech] / 10.0))
        snr = round(10.0 * math.log10(power) - floor, 1)
    steady = _steady_background(mono, decoded.sample_rate, levels, speech, floor)
    analysis = SampleAnalysis(
        duration_s=round(decoded.duration_s, 3),
        sample_rate=decoded.sample_rate,
        channels=decoded.channels,
        loudness_lufs=loudness_lufs(decoded.samples, decoded.sample_rate),
        clipped_share=round(clipped_share(decoded.samples), 5),
        speech_share=round(speech_share, 3),
        speech_s=round(speech_s, 2),
        noise_floor_db=round(floor, 1),
        snr_db=snr,
        steady_background=steady,
        verdict="good",
    )
    _judge(analysis)
    return analysis


# --- the verdict, in plain words -----------------------------------------------------------


def _judge(a: SampleAnalysis) -> None:
    """Set `verdict`, `problems` and `advice`. Poor: not usable for the voice; usable: it
    helps, with a flaw; good: clear speech."""
    poor: list[tuple[str, str]] = []
    flaws: list[tuple[str, str]] = []
    if a.speech_s < 1.0:
        poor.append(
            (
                "no_speech",
                "We could not hear a voice in this one. Check that the right microphone was "
                "on, and speak as you would to someone across a table.",
            )
        )
    if a.clipped_share > 0.01:
        poor.append(
            (
                "clipped",
                "This one is clipped: your voice was too loud for the recording, so it "
                "crackles. Record a little further from the microphone, or a little softer.",
            )
        )
    elif a.clipped_share > 0.001:
        flaws.append(
            (
                "clipped",
                "This one is clipped in places: record a little further from the microphone.",
            )
        )
    if a.speech_s >= 1.0 and a.snr_db is not None:
        if a.snr_db < 10:
            poor.append(
                (
                    "noisy",
                    "There is a lot of noise behind your voice. A quiet room with soft "
                    "furnishings, away from fans, traffic and television, makes a big "
                    "difference.",
                )
            )
        elif a.snr_db < 15:
            flaws.append(
                (
                    "noisy",
                    "There is some noise behind your voice. A quieter room would help.",
                )
            )
    if a.steady_background:
        flaws.append(
            (
                "background",
                "It sounds as if there is music or another steady sound behind your voice. "
                "A recording of your voice alone works best.",
            )
        )
    if a.speech_s >= 1.0 and a.loudness_lufs is not None and a.loudness_lufs < -40:
        flaws.append(
            (
                "quiet",
                "This one is very quiet. Come a little closer to the microphone.",
            )
        )
    if a.duration_s < 3.0:
        flaws.append(("short", "This one is very short: a few sentences or more helps."))
    if a.speech_s >= 1.0 and a.sample_rate < 16000:
        flaws.append(
            (
                "low_quality",
                "This recording is of low quality (like a telephone line). A recording "
                "made on a phone's voice recorder app would be clearer.",
            )
        )
    if poor:
        a.verdict = "poor"
    elif flaws:
        a.verdict = "usable"
    else:
        a.verdict = "good"
    a.problems = [code for code, _ in poor + flaws]
    a.advice = [text for _, text in poor + flaws] or [
        "This one is good: your voice comes through clearly, with little noise behind it."
    ]


@dataclass(frozen=True)
class SetVerdict:
    verdict: str  # good | usable | poor
    speech_s: float  # clean speech in the samples that count
    samples: int  # how many samples count
    advice: list[str]


def set_verdict(analyses: Sequence[dict[str, Any]]) -> SetVerdict:
    """The verdict on a set of samples (each an analysis dict of a sample that is used for
    the clone): how much clean speech there is against what instant cloning wants, and
    whether it comes from more than one recording."""
    counted = [a for a in analyses if a.get("verdict") in ("good", "usable")]
    speech = sum(float(a.get("speech_s", 0.0)) for a in counted)
    advice: list[str] = []
    minutes = speech / 60.0
    if speech < SET_SPEECH_MINIMUM_S:
        verdict = "poor"
        have = (
            "There is no clear speech yet."
            if speech < 1
            else f"There are {speech:.0f} seconds of clear speech so far."
        )
        advice.append(
            f"{have} A voice needs about one to two minutes of you speaking clearly; "
            "a few short recordings add up."
        )
    elif speech < SET_SPEECH_ENOUGH_S:
        verdict = "usable"
        advice.append(
            f"There are {speech:.0f} seconds of clear speech: enough to begin with. "
            "A minute or two in all would make your voice more like you."
        )
    else:
        verdict = "good"
        advice.append(
            f"There {'is' if minutes < 1.05 else 'are'} about {_minutes(minutes)} of clear "
            "speech: that is what a voice needs."
        )
        if speech > SET_SPEECH_PLENTY_S:
            advice.append(
                "More than about three minutes does not make the voice better: the clearest "
                "recordings are used, up to three minutes."
            )
    if len(counted) == 1 and speech >= SET_SPEECH_MINIMUM_S:
        advice.append(
            "It all comes from one recording. Two or three different ones (reading aloud, "
            "telling a story, talking as you would to a friend) give your voice more of its "
            "range."
        )
        if verdict == "good":
            verdict = "usable"
    return SetVerdict(
        verdict=verdict, speech_s=round(speech, 1), samples=len(counted), advice=advice
    )


def _minutes(minutes: float) -> str:
    whole = round(minutes * 2) / 2
    if whole <= 1:
        return "a minute"
    text = f"{whole:g}".replace(".5", "½")
    return f"{text} minutes"


# --- one file, and the command line --------------------------------------------------------

CLI_KEYS = (
    "duration_s",
    "sample_rate",
    "channels",
    "loudness_lufs",
    "clipped_share",
    "speech_share",
    "snr_db",
    "verdict",
    "advice",
)


def file_analyse(path: str | Path) -> SampleAnalysis:
    """Decode and analyse one file; raises AudioUnreadable."""
    return audio_analyse(audio_decode(path))


def cli_line(path: str) -> dict[str, Any]:
    try:
        figures = file_analyse(path).as_dict()
    except AudioUnreadable as error:
        return {"file": path, "error": str(error)}
    except OSError as error:
        return {"file": path, "error": f"This file could not be opened: {error.strerror}."}
    return {"file": path, **{key: figures[key] for key in CLI_KEYS}}


def main(argv: Sequence[str] | None = None) -> int:
    paths = list(sys.argv[1:] if argv is None else argv)
    if not paths:
        print("usage: python -m voice.analysis FILE...", file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        line = cli_line(path)
        failed += "error" in line
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
