"""End-to-end ingest throughput: a synthetic 100,000-message WhatsApp export, uploaded through
the real upload service and ingested by the real task (parse, split, embed, encrypt, store).

The ingest ends when the upload is done: every passage stored, full-text indexed and
searchable (exactly, by a scan of the memorial's partition). The task it then queues builds
the memorial's HNSW graph, which makes vector search fast on a memorial this big; it runs
inline here too and is timed apart. Prints both, the total, and ends with the ingest's
`passages_per_s <value>`.

    .venv/bin/python bench/ingest_throughput.py [MESSAGES]   # default 100000
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta

from benchdb import bench_memorial, bench_setup

WORDS = [
    "the",
    "a",
    "and",
    "to",
    "of",
    "in",
    "it",
    "that",
    "was",
    "we",
    "you",
    "I",
    "for",
    "on",
    "with",
    "my",
    "is",
    "at",
    "but",
    "so",
    "have",
    "just",
    "not",
    "this",
    "garden",
    "tomatoes",
    "dinner",
    "tomorrow",
    "weekend",
    "train",
    "office",
    "meeting",
    "mum",
    "dad",
    "kids",
    "school",
    "walk",
    "rain",
    "sunny",
    "holiday",
    "beach",
    "book",
    "film",
    "coffee",
    "tea",
    "cake",
    "birthday",
    "party",
    "work",
    "late",
    "early",
    "call",
    "love",
    "miss",
    "great",
    "lovely",
    "tired",
    "busy",
    "remember",
    "picture",
    "dog",
    "cat",
    "house",
    "car",
    "shop",
    "market",
    "music",
]


def synthetic_export(messages: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    moment = datetime(2015, 1, 1, 8, 0)
    lines = []
    for index in range(messages):
        moment += timedelta(minutes=rng.choice([1, 1, 2, 3, 5, 45, 240]))
        author = "Ann Smith" if rng.random() < 0.5 else "George"
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 24)))
        lines.append(f"{moment:%d/%m/%Y, %H:%M} - {author}: {text.capitalize()}")
        if index % 9 == 0:  # a second line now and then
            lines.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 10))))
    return "\n".join(lines).encode()


def main() -> None:
    messages = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    bench_setup("legacy_bench_ingest")  # apart from the other benches, to run them at once
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from corpus.embeddings import embed_passages
    from corpus.models import Upload
    from corpus.services.uploads import upload_create

    content = synthetic_export(messages)
    print(f"{messages} messages, {len(content) / 1024**2:.1f} MB export")
    embed_passages(["warm the model up"])
    memorial = bench_memorial("Ann Smith")
    started = timezone.now()
    upload, _ = upload_create(
        memorial_id=memorial.id, file=SimpleUploadedFile("WhatsApp Chat with George.txt", content)
    )  # stored encrypted, then the ingest task and the graph's task run inline (eager)
    finished = timezone.now()
    upload = Upload.objects.get(id=upload.id)
    assert upload.status == "done", upload.error
    ingest = (upload.updated_at - started).total_seconds()  # saved last when it was done
    graph = (finished - upload.updated_at).total_seconds()
    total = (finished - started).total_seconds()
    passages = upload.passages_count
    print(f"{passages} passages: ingest {ingest:.1f} s, then the HNSW graph {graph:.1f} s; "
          f"{total:.1f} s total")  # fmt: skip
    print(f"with the graph: {passages / total:.1f} passages/s")
    print(f"passages_per_s {passages / ingest:.1f}")


if __name__ == "__main__":
    main()
