"""End-to-end ingest throughput: a synthetic 100,000-message WhatsApp export, uploaded through
the real upload service and ingested by the real task (parse, split, embed, encrypt, store).

The ingest ends when the upload is done: every passage stored, full-text indexed and
searchable (exactly, by a scan of the memorial's partition). The task it then queues builds
the memorial's HNSW graph, which makes vector search fast on a memorial this big; it runs
inline here too and is timed apart. Prints both, the total, and ends with the ingest's
`passages_per_s <value>`. With `--mailbox`, the upload is instead a synthetic mailbox (.mbox) of
MESSAGES short emails, each its own document (default 5,000): the case of many small documents.

    .venv/bin/python bench/ingest_throughput.py [MESSAGES] [--mailbox]   # default 100000
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

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


def synthetic_mailbox(messages: int, seed: int = 7) -> bytes:
    """An mbox of `messages` emails between two people, 10-150 words in 1-3 paragraphs."""
    rng = random.Random(seed)
    moment = datetime(2015, 1, 1, 8, 0, tzinfo=UTC)
    people = [("Ann Smith", "ann@example.org"), ("George", "george@example.org")]
    mails = []
    for index in range(messages):
        moment += timedelta(hours=rng.choice([1, 3, 9, 26, 70]))
        sender, receiver = people if rng.random() < 0.5 else people[::-1]
        paragraphs = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 50))).capitalize() + "."
            for _ in range(rng.randint(1, 3))
        ]
        mails.append(
            f"From {sender[1]} {moment:%a %b %d %H:%M:%S %Y}\n"
            f"From: {sender[0]} <{sender[1]}>\nTo: {receiver[0]} <{receiver[1]}>\n"
            f"Subject: {' '.join(rng.choice(WORDS) for _ in range(4))}\n"
            f"Date: {format_datetime(moment)}\nMessage-ID: <{index}@example.org>\n\n"
            + "\n\n".join(paragraphs)
            + "\n"
        )
    return "\n".join(mails).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description="End-to-end ingest throughput.")
    parser.add_argument("messages", type=int, nargs="?")
    parser.add_argument("--mailbox", action="store_true", help="an .mbox of short emails")
    args = parser.parse_args()
    messages = args.messages or (5_000 if args.mailbox else 100_000)
    bench_setup("legacy_bench_ingest")  # apart from the other benches, to run them at once
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from corpus.embeddings import embed_passages
    from corpus.models import Upload
    from corpus.services.uploads import upload_create

    if args.mailbox:
        name, content = "mail.mbox", synthetic_mailbox(messages)
    else:
        name, content = "WhatsApp Chat with George.txt", synthetic_export(messages)
    print(f"{messages} messages, {len(content) / 1024**2:.1f} MB export ({name})")
    embed_passages(["warm the model up"])
    memorial = bench_memorial("Ann Smith")
    started = timezone.now()
    upload, _ = upload_create(
        memorial_id=memorial.id, file=SimpleUploadedFile(name, content)
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
    print(f"{upload.documents_done} documents: {upload.documents_done / ingest:.1f} documents/s")
    print(f"passages_per_s {passages / ingest:.1f}")


if __name__ == "__main__":
    main()
