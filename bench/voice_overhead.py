"""The voice's own overhead: from the first LLM token to the first audio byte sent to the
browser, beyond the time the first sentence takes to arrive, with a zero-latency fake LLM and
a zero-latency fake speech provider, so all of it is ours.

`bench/voice_overhead.py [--messages M] [--passages N] [--token-ms T]` (defaults 200, 2,000
and 0): a memorial of N synthetic passages open to family (as `conversation_overhead.py`
sets it up), a family visitor on the real consumer (`legacy.asgi.application` through
channels' WebsocketCommunicator, Redis channel layer), the reply tasks run in a pool of
threads in this process through `task.apply`, the speaking tasks (the speech queue's) in a
pool of their own, each reply's sentences handed over through its Redis feed, and the speech
provider `bench` (every sentence's audio, a fixed mp3, ready at once) registered in
`voice.providers.PROVIDERS`.

For each reply it records when the fake LLM yields its first token and the token that ends
the first sentence, and when the first `conversation.audio` event carrying audio leaves for
the channel layer (`core.events.event_send_now`). The figure is
`first audio - first token - (first sentence's end - first token)`, i.e. the time from the
first sentence being whole to its audio leaving. The first 3 replies warm up (the first one
of a session also speaks the audible AI notice first) and are not counted. `--token-ms`
spaces the LLM's tokens, to show that the first sentence is spoken without waiting for the
rest of the reply. Ends with `first_audio_p95_ms <value>`."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Iterator
from typing import Any

from benchdb import bench_setup
from convbench import (
    FastLlmProvider,
    load_average,
    memorial_with_passages,
    percentile,
    replies_in_pool,
    visitor_add,
)

REPLY = (
    "I remember the sea at Falmouth. Three dolphins jumped beside the boat all the way home. "
    "Your grandfather laughed at the gulls. They followed us back to the harbour wall."
)
WORDS = [w if n == 0 else " " + w for n, w in enumerate(REPLY.split(" "))]
FIRST_SENTENCE_WORDS = len(["I", "remember", "the", "sea", "at", "Falmouth."])
WARM_UP = 3

current: dict[str, float] = {}  # the reply being measured (one in flight at a time)


class TimedLlmProvider(FastLlmProvider):
    """The zero-latency bench model, noting when its first token and the first sentence's
    last token are yielded; `token_s` apart when asked."""

    token_s = 0.0

    def reply_stream(self, *, system: Any, messages: Any, max_tokens: int) -> Any:
        from twins.providers import LlmStream, LlmUsage

        return LlmStream(
            provider=self.name, model=self.model, label=self.label, chunks=self._timed(),
            usage=LlmUsage(input_tokens=100, output_tokens=len(WORDS)),
        )  # fmt: skip

    def _timed(self) -> Iterator[str]:
        for n, word in enumerate(WORDS):
            if n and self.token_s:
                time.sleep(self.token_s)
            now = time.perf_counter()
            if n == 0:
                current["first_token"] = now
            if n == FIRST_SENTENCE_WORDS - 1:
                current["first_sentence"] = now
            yield word
        current["last_token"] = time.perf_counter()


def bench_audio() -> bytes:
    """A real mp3 of a short tone: what the fake speech provider says for every sentence."""
    import io
    import math
    import struct
    import wave

    from voice.audio_files import audio_join

    rate = 16000
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(
            struct.pack("<h", int(5000 * math.sin(2 * math.pi * 330 * n / rate)))
            for n in range(rate // 5)
        ))  # fmt: skip
    return audio_join([buffer.getvalue()], mime="audio/mpeg", title="", comment="").content


class BenchVoice:
    """A zero-latency speech provider: every sentence's audio is ready at once."""

    name = "bench"
    label = "A zero-latency bench voice"
    can_clone = False
    can_listen = False
    speech_mime = "audio/mpeg"
    audio = b""

    def speech_stream(self, *, text: str, voice_id: str | None) -> Iterator[bytes]:
        yield self.audio


def installs(token_ms: float) -> None:
    from django.conf import settings

    from twins.services import llm
    from voice.providers import PROVIDERS

    TimedLlmProvider.token_s = token_ms / 1000
    llm.llm_provider = lambda name=None: TimedLlmProvider()  # type: ignore[assignment]
    BenchVoice.audio = bench_audio()
    PROVIDERS["bench"] = BenchVoice  # type: ignore[assignment]
    settings.LEGACY_VOICE_PROVIDER = "bench"
    from voice import speaking

    original = speaking.event_send_now

    def timed_send(**kwargs: Any) -> None:
        if kwargs["data"]["audio"] and "first_audio" not in current:
            current["first_audio"] = time.perf_counter()
        original(**kwargs)

    speaking.event_send_now = timed_send  # type: ignore[assignment]

    from voice.speaking import SpeechFeed

    handed = SpeechFeed.sentence

    def timed_sentence(self: SpeechFeed, text: str) -> None:
        current.setdefault("handed", time.perf_counter())
        handed(self, text)

    SpeechFeed.sentence = timed_sentence  # type: ignore[method-assign]


async def measure(memorial_id: object, cookie: str, messages: int) -> list[dict[str, float]]:
    from convbench import conversation_socket

    socket = conversation_socket(memorial_id, cookie)
    connected, _ = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "resume", "after_seq": 0})
    while (await socket.receive_json_from(timeout=10))["type"] != "resumed":
        pass
    records = []
    for n in range(messages + WARM_UP):
        current.clear()
        await socket.send_json_to(
            {"type": "send", "client_id": uuid.uuid4().hex, "text": f"Tell me about the sea ({n})"}
        )
        ended = spoken = False
        while not (ended and spoken):
            event = await socket.receive_json_from(timeout=30)
            if event["type"] == "reply_end":
                assert event["status"] == "complete", event
                ended = True
            elif event["type"] == "audio":
                assert "notice" not in event, event
                spoken = spoken or event["last"]
        if n >= WARM_UP:
            records.append(dict(current))
    await socket.disconnect()
    return records


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--passages", type=int, default=2_000)
    parser.add_argument("--token-ms", type=float, default=0.0)
    args = parser.parse_args()
    bench_setup("legacy_bench_voice")
    installs(args.token_ms)
    pool = replies_in_pool()
    from corpus.embeddings import embed_query

    memorial = memorial_with_passages(args.passages)
    _, cookie = visitor_add(memorial)
    embed_query("warm the model up")
    print(f"replies: {args.messages}, tasks in a pool of threads in this process; "
          f"{args.token_ms} ms between LLM tokens (load average {load_average()})")  # fmt: skip
    records = asyncio.run(measure(memorial.id, cookie, args.messages))
    pool.shutdown(wait=True)
    ms = 1000.0
    # A reply the guardrails wrote themselves (no LLM token) has nothing to measure from.
    guarded = [r for r in records if "first_sentence" not in r]
    records = [r for r in records if "first_sentence" in r]
    if guarded:
        print(f"left out: {len(guarded)} replies written by the guardrails, not the LLM")
    sentence = [(r["first_sentence"] - r["first_token"]) * ms for r in records]
    whole = [(r["last_token"] - r["first_token"]) * ms for r in records]
    raw = [(r["first_audio"] - r["first_token"]) * ms for r in records]
    overhead = [(r["first_audio"] - r["first_sentence"]) * ms for r in records]
    print(f"replies measured {len(records)} (load average {load_average()})")
    print(f"first sentence arrives after the first token: p50 {statistics.median(sentence):.1f} ms")
    print(f"whole reply arrives after the first token: p50 {statistics.median(whole):.1f} ms")
    print(f"first token -> first audio byte: p50 {statistics.median(raw):.1f} ms, "
          f"p95 {percentile(raw, 0.95):.1f} ms")  # fmt: skip
    step = [(r["handed"] - r["first_sentence"]) * ms for r in records]
    speak = [(r["first_audio"] - r["handed"]) * ms for r in records]
    print(f"  of which the first sentence, whole, until handed to the voice (guard, consent): "
          f"p50 {statistics.median(step):.1f} ms, p95 {percentile(step, 0.95):.1f} ms")  # fmt: skip
    print(f"  of which handed -> audio leaving: p50 {statistics.median(speak):.1f} ms, "
          f"p95 {percentile(speak, 0.95):.1f} ms")  # fmt: skip
    print(f"beyond the first sentence: p50 {statistics.median(overhead):.1f} ms, "
          f"max {max(overhead):.1f} ms")  # fmt: skip
    print(f"first_audio_p95_ms {percentile(overhead, 0.95):.1f}")


if __name__ == "__main__":
    main()
