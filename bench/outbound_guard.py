"""The outbound sentence guard's own cost: a reply of 1,000 sentences (ordinary sentences
with a few that break a rule), streamed word by word as a provider streams it, through
`OutboundGuard.checked`, against the same stream iterated bare.

`bench/outbound_guard.py [--sentences N] [--runs R]` (defaults 1,000 and 5). Prints the
cost per sentence (median of the runs), the cost per word-chunk, and the first sentence's
added delay (from its last chunk given to the guard to its yield, median over the runs).
No database: the guard reads none while it checks. Ends with `per_sentence_us <value>`."""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "legacy.settings.base")

import django

django.setup()

from conversations.guardrails.outbound import OutboundGuard  # noqa: E402

logging.getLogger("conversations.guardrails.outbound").setLevel(logging.WARNING)  # no I/O

ORDINARY = [
    "I remember the sea at Falmouth, and the gulls following us back to the harbour wall.",
    "Your grandfather always burnt the toast on Sundays, and we ate it anyway.",
    "We married in 1972, in the rain, and Dr. Hart played the organ.",
    "The cake took 2.5 hours and half the butter in the house!",
    "Do you remember the blue door on Elm Street?",
    "I thought... well, it does not matter now.",
    "Lucy steered most of the way home, and the sea was grey and kind.",
    "I kept every one of your drawings in the tin by the stove.",
]
BREAKING = [
    "I'm still alive.",
    "Come back tomorrow.",
    "You should sell the house.",
    "The password is rosebud.",
]


def reply_text(sentences: int) -> str:
    parts = []
    for n in range(sentences):
        if n % 50 == 49:
            parts.append(BREAKING[(n // 50) % len(BREAKING)])
        else:
            parts.append(ORDINARY[n % len(ORDINARY)])
    return " ".join(parts)


def words(text: str) -> list[str]:
    parts = text.split(" ")
    return [part if n == 0 else " " + part for n, part in enumerate(parts)]


def timed(chunks: list[str], guarded: bool) -> float:
    start = time.perf_counter()
    stream: Iterator[str] = iter(chunks)
    if guarded:
        stream = OutboundGuard(name="Ann Smith").checked(stream)
    for _ in stream:
        pass
    return time.perf_counter() - start


def first_sentence_delay(chunks: list[str]) -> float:
    """From the first sentence's last chunk leaving the provider to its yield by the guard."""
    handed: list[float] = []

    def provider() -> Iterator[str]:
        for chunk in chunks:
            handed.append(time.perf_counter())
            yield chunk

    guard = OutboundGuard(name="Ann Smith").checked(provider())
    next(guard)
    return time.perf_counter() - handed[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    chunks = words(reply_text(args.sentences))
    timed(chunks, guarded=True)  # warm: the rules compile at import, caches fill here
    bare = statistics.median(timed(chunks, guarded=False) for _ in range(args.runs))
    guarded = statistics.median(timed(chunks, guarded=True) for _ in range(args.runs))
    first = statistics.median(first_sentence_delay(chunks) for _ in range(max(args.runs, 50)))
    cost = guarded - bare
    print(f"sentences {args.sentences}")
    print(f"chunks {len(chunks)}")
    print(f"total_ms {cost * 1000:.2f}")
    print(f"per_chunk_us {cost / len(chunks) * 1e6:.1f}")
    print(f"first_sentence_delay_us {first * 1e6:.1f}")
    print(f"per_sentence_us {cost / args.sentences * 1e6:.1f}")


if __name__ == "__main__":
    main()
