"""A spoken reply's audio as one file: the sentences' audio joined (decoded and encoded
again with PyAV, so a player sees one stream, not a file per sentence), tagged as an AI voice
in its own metadata, so a copy that leaves Legacy still says what it is."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import av
from av.audio.stream import AudioStream

# The audio type the provider speaks in -> (container, codec, file extension).
FORMATS = {
    "audio/mpeg": ("mp3", "libmp3lame", ".mp3"),
    "audio/mp3": ("mp3", "libmp3lame", ".mp3"),
}
WAV = ("wav", "pcm_s16le", ".wav")


@dataclass(frozen=True)
class JoinedAudio:
    content: bytes
    mime: str
    extension: str
    duration_s: float


def audio_format(mime: str) -> tuple[str, str, str]:
    """(container, codec, extension) for a spoken reply stored from audio of type `mime`:
    mp3 stays mp3; anything else becomes 16-bit wav."""
    return FORMATS.get(mime, WAV)


def audio_join(parts: Sequence[bytes], *, mime: str, title: str, comment: str) -> JoinedAudio:
    """The audio `parts` (each a whole file, e.g. one sentence) one after another in one
    file, mono, at the first part's sample rate, with `title` and `comment` in its metadata
    (ID3 for mp3, RIFF INFO for wav). Raises av.error.FFmpegError for audio it cannot read."""
    container, codec, extension = audio_format(mime)
    out_mime = "audio/mpeg" if container == "mp3" else "audio/wav"
    buffer = io.BytesIO()
    samples = 0
    rate = 0
    with av.open(buffer, "w", format=container) as out:
        out.metadata["title"] = title
        out.metadata["comment"] = comment
        stream: AudioStream | None = None
        resampler: av.AudioResampler | None = None
        for part in parts:
            if not part:
                continue
            with av.open(io.BytesIO(part), "r") as source:
                audio = source.streams.audio[0]
                if stream is None:
                    rate = audio.rate or 24000
                    stream = cast(AudioStream, out.add_stream(codec, rate=rate, layout="mono"))
                    resampler = av.AudioResampler(
                        format=stream.codec_context.format, layout="mono", rate=rate
                    )
                assert resampler is not None
                for frame in source.decode(audio):
                    for converted in resampler.resample(frame):
                        converted.pts = None
                        samples += converted.samples
                        for packet in stream.encode(converted):
                            out.mux(packet)
        if stream is not None and resampler is not None:
            for converted in resampler.resample(None):
                converted.pts = None
                samples += converted.samples
                for packet in stream.encode(converted):
                    out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
    return JoinedAudio(
        content=buffer.getvalue(),
        mime=out_mime,
        extension=extension,
        duration_s=samples / rate if rate else 0.0,
    )


def audio_tags(content: bytes) -> dict[str, str]:
    """The metadata tags of an audio file (lower-case keys)."""
    with av.open(io.BytesIO(content)) as source:
        tags = {key.lower(): value for key, value in source.metadata.items()}
    return tags
