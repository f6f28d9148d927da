"""Synthetic voice-like clips for the voice tests, written with numpy and PyAV.

`phrases` is a voiced sound (a 140 Hz fundamental with falling harmonics, its syllables
shaped at about 4 a second) in phrases of 1.5 to 2.5 seconds with pauses between them: not a
voice, but what the analysis measures (level over time against a floor) behaves the same."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

RATE = 16000


def phrases(seconds: float = 12.0, *, rate: int = RATE, level: float = 0.25, seed: int = 1):
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    pitch = 140 + 20 * np.sin(2 * np.pi * 0.5 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voice = sum(np.sin(k * phase) / k for k in range(1, 12))
    syllables = 0.5 * (1 - np.cos(2 * np.pi * 4.0 * t))
    envelope = np.zeros(n)
    at = 0.3
    while at < seconds - 0.5:
        length = rng.uniform(1.5, 2.5)
        start, end = int(at * rate), min(n, int((at + length) * rate))
        envelope[start:end] = 1.0
        at += length + rng.uniform(0.5, 0.9)
    signal = voice * syllables * envelope
    signal = level * signal / np.max(np.abs(signal))
    floor = rng.normal(0, 10 ** (-70 / 20), n)  # a quiet room, about -70 dBFS
    return (signal + floor).astype(np.float32)


def clipped(seconds: float = 12.0):
    return np.clip(phrases(seconds) * 12.0, -1.0, 1.0).astype(np.float32)


def silent(seconds: float = 6.0):
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def noisy(seconds: float = 12.0, *, snr_db: float = 3.0, seed: int = 2):
    voice = phrases(seconds)
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 1, len(voice))
    voiced = voice[np.abs(voice) > 1e-3]
    scale = np.sqrt(np.mean(voiced**2) / 10 ** (snr_db / 10))
    return (voice + scale * noise).astype(np.float32)


_CODECS = {
    ".wav": ("wav", "pcm_s16le", "s16"),
    ".flac": ("flac", "flac", "s16"),
    ".mp3": ("mp3", "libmp3lame", "fltp"),
    ".ogg": ("ogg", "libopus", "flt"),
    ".webm": ("webm", "libopus", "flt"),
    ".m4a": ("mp4", "aac", "fltp"),
}


def write(path: Path, samples: np.ndarray, *, rate: int = RATE, channels: int = 1) -> Path:
    """Encode mono float samples (-1..1) into `path`; its suffix picks the format."""
    container_format, codec, sample_format = _CODECS[path.suffix]
    if codec == "libopus":
        rate = 48000 if rate != 48000 else rate
        samples = np.interp(
            np.arange(int(len(samples) * 48000 / RATE)) * RATE / 48000,
            np.arange(len(samples)),
            samples,
        ).astype(np.float32)
    layout = "mono" if channels == 1 else "stereo"
    data = np.tile(samples, (channels, 1))
    with av.open(str(path), mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        frame_size = 960 if codec == "libopus" else 1024
        for start in range(0, data.shape[1], frame_size):
            chunk = data[:, start : start + frame_size]
            if sample_format == "s16":
                planes = (np.clip(chunk, -1, 1) * 32767).astype(np.int16)
                frame = av.AudioFrame.from_ndarray(
                    planes.T.reshape(1, -1).copy(), format="s16", layout=layout
                )
            elif sample_format == "flt":
                frame = av.AudioFrame.from_ndarray(
                    chunk.T.reshape(1, -1).copy(), format="flt", layout=layout
                )
            else:
                frame = av.AudioFrame.from_ndarray(chunk.copy(), format="fltp", layout=layout)
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path
