"""How much of the exact nearest passages the vector side's HNSW search returns, on a
memorial of real writing's vectors, and how long it takes, at several `hnsw.ef_search`.

`bench/vector_recall.py [PASSAGES] [QUERIES] [--mixed]` (default 100,000, 200; database
`legacy_bench_vectors`). The synthetic memorials of `retrieval_latency.py` hold random unit
vectors: every passage is about as far from a query as every other, HNSW's worst case and no
memorial's. Here the passages are real sentences of `../shared/data` (John Keats's letters,
Enron emails, the LoCoMo conversations) and of the demo's writing, one to three of them drawn
at random for each passage, embedded by the project's model, and stored as `retrieval_latency.fill`
stores them (through the memorial's rotation), then given their HNSW graph by
`corpus.partitions.passage_vector_index_ensure`, as after an upload. The queries are the
LoCoMo questions and sentences of the same sources with a third of their words dropped. For
each `ef_search`, each query runs the vector side's own SQL (`corpus.retrieval.semantic_query`,
the iterative scan on) and an exact scan of every passage's distance; it prints the share of
the exact top 10 and top `CANDIDATES` returned, and the search's median and p95 time (the
queries in turn, settings alternated). Ends with `hnsw_recall_at_10 <value>` at the committed
`HNSW_EF_SEARCH` (measured whether or not it is one of `EF_SEARCH`). The set-up is
checkpointed before anything is timed (`benchdb.set_up_checkpoint`). `LEGACY_BENCH_KEEP=1`
keeps the database (the next run skips the embedding).
`--mixed`: the passages' vectors are made from their sentences' (`sentence_mixes`), as
`conversation_overhead.py`'s memorial makes them, to see that they search alike.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from benchdb import bench_memorial, bench_setup, set_up_checkpoint

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EF_SEARCH = (40, 64, 100, 200)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentences() -> list[str]:
    """Every sentence of 4-60 words in the sources, once."""
    bodies: list[str] = []
    keats = DATA / "demo" / "keats_letters_pg35698.txt"
    bodies += keats.read_text(encoding="utf-8", errors="replace").split("\n\n")
    for path in sorted((DATA / "enron-formality").rglob("*")):
        if path.is_file() and not path.name.endswith((".md", ".txt")):
            text = path.read_text(encoding="utf-8", errors="replace")
            bodies += text.split("\n\n")[1:]  # past the subject line
    for item in json.loads((DATA / "locomo" / "locomo-dev.json").read_text()):
        conversation = item["conversation"]
        for key, turns in conversation.items():
            if key.startswith("session_") and isinstance(turns, list):
                bodies += [turn["text"] for turn in turns]
    from demo.writing import demo_writing

    for seed in range(3):
        for content in demo_writing(seed).files.values():
            bodies += content.decode("utf-8", errors="replace").split("\n\n")
    found: dict[str, None] = {}
    for body in bodies:
        for sentence in _SENTENCE_END.split(" ".join(body.split())):
            if 4 <= len(sentence.split()) <= 60 and "@" not in sentence:  # no mail headers
                found.setdefault(sentence, None)
    return list(found)


def questions(pool: list[str], count: int, rng: random.Random) -> list[str]:
    """The LoCoMo questions, then sentences of the pool with a third of their words dropped."""
    asked = [
        qa["question"]
        for item in json.loads((DATA / "locomo" / "locomo-dev.json").read_text())
        for qa in item["qa"]
    ]
    made = []
    for sentence in rng.sample(pool, count):
        words = sentence.split()
        made.append(" ".join(word for word in words if rng.random() > 1 / 3) or words[0])
    mixed = asked[: count // 2] + made[: count - min(len(asked), count // 2)]
    return mixed[:count]


def real_passages(pool: list[str], seed: int = 7):  # type: ignore[no-untyped-def]
    """A `fill` source: passages of 1-3 random sentences of `pool`, embedded."""
    from corpus.embeddings import embed_passages

    picker = random.Random(seed)

    def made(rng: np.random.Generator, size: int) -> tuple[np.ndarray, list[str]]:
        chunk = [" ".join(picker.sample(pool, picker.choice((1, 1, 2, 2, 3)))) for _ in range(size)]
        began = time.perf_counter()
        vectors = embed_passages(chunk)
        print(f"  {size} passages embedded in {time.perf_counter() - began:.0f} s", flush=True)
        return vectors, chunk

    return made


def sentence_mixes(pool: list[str], seed: int = 7):  # type: ignore[no-untyped-def]
    """A `fill` source with the vectors of `real_passages` at a small part of the cost: each
    sentence of `pool` embedded once, each passage's vector the normalised sum of one to three
    random sentences' vectors (what its text would hold), and its text the sentences joined."""
    from corpus.embeddings import embed_passages

    picker = random.Random(seed)
    began = time.perf_counter()
    vectors = embed_passages(pool)
    print(f"  {len(pool)} sentences embedded in {time.perf_counter() - began:.0f} s", flush=True)

    def made(rng: np.random.Generator, size: int) -> tuple[np.ndarray, list[str]]:
        picks = [
            picker.sample(range(len(pool)), picker.choice((1, 1, 2, 2, 3))) for _ in range(size)
        ]
        mixed = np.stack([vectors[chosen].sum(axis=0) for chosen in picks]).astype(np.float32)
        mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
        return mixed, [" ".join(pool[i] for i in chosen) for chosen in picks]

    return made


def memorial_of_real_writing(count: int, pool: list[str], reused: bool, *, mixed: bool = False):  # type: ignore[no-untyped-def]
    from django.db import connection, transaction

    from core.crypto import memorial_cipher
    from corpus.models import Document
    from corpus.partitions import passage_vector_index_ensure
    from memorials.models import Memorial

    digest = ("8" if mixed else "7") * 64
    if reused:
        document = Document.objects.filter(passages_count=count, content_sha256=digest).first()
        if document is not None:
            print("setup: reused the kept database")
            return Memorial.objects.get(id=document.memorial_id)
    from retrieval_latency import fill

    started = time.perf_counter()
    memorial = bench_memorial("Real writing")
    cipher = memorial_cipher(memorial_id=memorial.id)
    with transaction.atomic():
        document = Document.objects.create(
            memorial=memorial, kind="chat", source="whatsapp",
            title_encrypted=cipher.encrypt_text("Chat"), text_encrypted=cipher.encrypt_text(""),
            register="friends", content_sha256=digest, passages_count=count,
        )  # fmt: skip
        fill(memorial, document, count, np.random.default_rng(7), cipher=cipher,
             made=(sentence_mixes if mixed else real_passages)(pool))  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE corpus_passage")
    began = time.perf_counter()
    assert passage_vector_index_ensure(memorial_id=memorial.id)
    print(f"setup: {count} passages in {time.perf_counter() - started:.0f} s, the HNSW graph "
          f"in {time.perf_counter() - began:.0f} s", flush=True)  # fmt: skip
    return memorial


def main() -> None:
    arguments = [argument for argument in sys.argv[1:] if argument != "--mixed"]
    mixed = "--mixed" in sys.argv
    count = int(arguments[0]) if arguments else 100_000
    queries_count = int(arguments[1]) if len(arguments) > 1 else 200
    reused = bench_setup("legacy_bench_vectors")
    from django.db import connection, transaction

    from core.crypto import memorial_cipher
    from corpus import retrieval
    from corpus.embeddings import embed_query
    from corpus.models import Passage
    from corpus.search_keys import memorial_search_keys
    from corpus.services.passages_store import vector_literal

    pool = sentences()
    print(f"{len(pool)} sentences of real writing", flush=True)
    memorial = memorial_of_real_writing(count, pool, reused, mixed=mixed)
    set_up_checkpoint()
    keys = memorial_search_keys(cipher=memorial_cipher(memorial_id=memorial.id))
    filters = retrieval._filters(memorial.id, None, None, None, False)
    asked = questions(pool, queries_count, random.Random(11))
    vectors = [keys.rotate(embed_query(query)) for query in asked]
    depth = (10, retrieval.CANDIDATES)
    exact: list[list[int]] = []
    with connection.cursor() as cursor:
        for vector in vectors:
            cursor.execute(
                "SELECT id FROM (SELECT id, embedding <=> %s::vector AS distance"
                f" FROM {Passage._meta.db_table} WHERE {filters.sql()} OFFSET 0) AS every"
                " ORDER BY distance, id LIMIT %s",
                list[Any]([vector_literal(vector), *filters.params, retrieval.CANDIDATES]),
            )
            exact.append([row[0] for row in cursor.fetchall()])
    committed = retrieval.HNSW_EF_SEARCH
    settings = sorted({*EF_SEARCH, committed})
    shares: dict[int, dict[int, list[float]]] = {ef: {k: [] for k in depth} for ef in settings}
    times: dict[int, list[float]] = {ef: [] for ef in settings}
    for index, vector in enumerate(vectors):
        sql, params = retrieval.semantic_query(vector, filters)
        for ef in settings:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"SET LOCAL hnsw.ef_search = {ef};"
                    " SET LOCAL hnsw.iterative_scan = relaxed_order"
                )
                began = time.perf_counter()
                cursor.execute(sql, params)
                found = [row[0] for row in cursor.fetchall()]
                times[ef].append(time.perf_counter() - began)
            for k in depth:
                shares[ef][k].append(len(set(found[:k]) & set(exact[index][:k])) / k)
    print(f"{len(vectors)} queries on {count} passages; of the exact nearest, returned:")
    for ef in settings:
        ordered = sorted(times[ef])
        print(f"  ef_search {ef}: "
              + ", ".join(f"{statistics.mean(shares[ef][k]):.3f} of the top {k}" for k in depth)
              + f"; search median {statistics.median(ordered) * 1000:.1f} ms,"
              f" p95 {ordered[int(0.95 * (len(ordered) - 1))] * 1000:.1f} ms")  # fmt: skip
    print(f"hnsw_recall_at_10 {statistics.mean(shares[committed][10]):.3f}")


if __name__ == "__main__":
    main()
