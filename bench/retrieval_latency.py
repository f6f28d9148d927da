"""Query latency of `corpus.retrieval.passage_retrieve` (query embedding included) on one
memorial of 100,000 passages in a table of 1,000,000 (ten memorials).

Rows are synthetic and loaded fast with binary COPY: random unit vectors (stored through the
memorial's rotation), texts of random words (encrypted with the memorial's real key, so results
are decrypted as in production), and the memorial's tokens of the lexemes Postgres stems from
those texts (`corpus.search_keys`, as an ingest stores them). Each memorial's partition is
made as an ingest makes it; the full-text index is dropped for the load and built after it;
the queried memorial's HNSW graph is built by `corpus.partitions.passage_vector_index_ensure`,
as the task queued after an upload does. (The other memorials' graphs are not built: their
partitions are never read by its queries, which the printed plans show.) A last memorial of
50 passages shows the small case. Prints the setup time, the plans, per-part timings, then latency
figures, ending `p95_ms <value>`.

    .venv/bin/python bench/retrieval_latency.py [PER_MEMORIAL] [MEMORIALS] [QUERIES]

With LEGACY_BENCH_KEEP=1 the database is kept, and reused by the next run if it holds the
same numbers of passages (see bench/benchdb.py).
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

import numpy as np
from benchdb import bench_memorial, bench_setup, set_up_checkpoint

WORDS = [
    "garden",
    "tomatoes",
    "dinner",
    "tomorrow",
    "weekend",
    "train",
    "office",
    "meeting",
    "mother",
    "father",
    "children",
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
    "remember",
    "picture",
    "dog",
    "cat",
    "house",
    "car",
    "shop",
    "market",
    "music",
    "sailing",
    "cornwall",
    "dolphins",
    "letter",
    "church",
    "wedding",
    "hospital",
    "doctor",
    "recipe",
    "lemon",
    "bread",
    "river",
    "bridge",
    "mountain",
    "snow",
    "winter",
    "summer",
    "autumn",
    "spring",
    "piano",
    "violin",
    "chess",
    "football",
    "cricket",
    "election",
    "newspaper",
    "radio",
]
QUERIES = [
    "when did we go sailing in cornwall", "the lemon cake recipe", "what did the doctor say",
    "our wedding day", "football on the radio", "walks by the river in winter",
    "the piano lessons", "a letter from mother", "birthday party at the beach",
    "snow on the mountain",
]  # fmt: skip


SMALL_MEMORIAL = 50
INDEXES = {  # dropped for the load, built after it (see corpus.models.Passage)
    "passage_search_gin": "USING gin (search)",
}


def texts(count: int, rng: np.random.Generator) -> list[str]:
    """6-30 words each: a fifth from WORDS (a few common words), the rest from a long tail of
    20,000, as in real writing."""
    lengths = rng.integers(6, 31, count)
    common = rng.random(int(lengths.sum())) < 0.2
    picks = np.where(
        common, rng.integers(0, len(WORDS), len(common)), rng.integers(0, 20_000, len(common))
    )
    vocabulary = np.array(WORDS, dtype=object)
    tail = np.array([f"w{number}" for number in range(20_000)], dtype=object)
    words = np.where(common, vocabulary[np.minimum(picks, len(WORDS) - 1)], tail[picks])
    ends = np.cumsum(lengths)
    return [" ".join(words[end - length : end]) for end, length in zip(ends, lengths, strict=True)]


def random_passages(rng: np.random.Generator, size: int) -> tuple[np.ndarray, list[str]]:
    """`size` random unit vectors (float32) and texts (`texts`)."""
    vectors = rng.standard_normal((size, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, texts(size, rng)


def fill(
    memorial, document, count: int, rng: np.random.Generator, *, cipher, made=random_passages
) -> None:  # type: ignore[no-untyped-def]
    """`count` passages of `made(rng, size)`'s vectors and texts, 10,000 at a time, stored as
    an ingest stores them (the vectors through the memorial's rotation, the texts encrypted,
    their keyed tokens indexed)."""
    from django.db import connection
    from pgvector.psycopg import register_vector

    from corpus.partitions import passage_partition_ensure
    from corpus.registers import identity_hash
    from corpus.search_keys import memorial_search_keys, text_tokens

    passage_partition_ensure(memorial_id=memorial.id)
    keys = memorial_search_keys(cipher=cipher)
    raw = connection.connection
    register_vector(raw)
    with raw.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS staging (position int, text_encrypted bytea, "
            "embedding vector(384), tokens text[])"
        )
        cursor.execute("TRUNCATE staging")
        for start in range(0, count, 10_000):
            size = min(10_000, count - start)
            vectors, chunk = made(rng, size)
            tokens = text_tokens(
                cursor=cursor, keys=keys, texts=[f"Ann Smith: {text}" for text in chunk]
            )
            with cursor.copy(
                "COPY staging (position, text_encrypted, embedding, tokens) FROM STDIN "
                "WITH (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["int4", "bytea", "vector", "text[]"])
                for offset, (vector, text, passage_tokens) in enumerate(
                    zip(keys.rotate(vectors), chunk, tokens, strict=True)
                ):
                    copy.write_row(
                        (start + offset, cipher.encrypt_text(text), vector, passage_tokens)
                    )
        cursor.execute(
            "INSERT INTO corpus_passage (memorial_id, document_id, position, text_encrypted, "
            "speaker_encrypted, speaker_id_encrypted, speaker_hash, speaker_id_hash, "
            "is_subject, sent_at, register, embedding, search) "
            "SELECT %s, %s, position, text_encrypted, %s, %s, %s, '', true, NULL, 'friends', "
            "embedding, array_to_tsvector(tokens) FROM staging",
            [
                memorial.id,
                document.id,
                cipher.encrypt_text("Ann Smith"),
                cipher.encrypt_text(""),
                identity_hash(cipher=cipher, value="Ann Smith"),
            ],
        )


def load(per_memorial: int, memorials: int):  # type: ignore[no-untyped-def]
    """Fills the table; returns a big memorial to query and the small one."""
    from django.db import connection, transaction

    from core.crypto import memorial_cipher
    from corpus.models import Document

    rng = np.random.default_rng(7)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    made = []
    for number, count in enumerate([per_memorial] * memorials + [SMALL_MEMORIAL]):
        memorial = bench_memorial(f"Memorial {number}")
        cipher = memorial_cipher(memorial_id=memorial.id)
        with transaction.atomic():
            document = Document.objects.create(
                memorial=memorial, kind="chat", source="whatsapp",
                title_encrypted=cipher.encrypt_text("Chat"), text_encrypted=cipher.encrypt_text(""),
                register="friends", content_sha256=f"{number:064d}", passages_count=count,
            )  # fmt: skip
            fill(memorial, document, count, rng, cipher=cipher)
        made.append(memorial)
        print(f"  memorial {number + 1}/{memorials + 1} ({count} passages) loaded at "
              f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
    from corpus.partitions import passage_vector_index_ensure

    big = made[memorials // 2]  # in the middle of the table, as most would be
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_maintenance_workers = 1")  # 2 cores: leader + one
        for name, definition in INDEXES.items():
            began = time.perf_counter()
            cursor.execute(f"CREATE INDEX {name} ON corpus_passage {definition}")
            print(f"  index {name} built in {time.perf_counter() - began:.0f} s", flush=True)
        cursor.execute("VACUUM ANALYZE corpus_passage")
        began = time.perf_counter()
        assert passage_vector_index_ensure(memorial_id=big.id)
        print(f"  HNSW graph of the queried memorial ({per_memorial} passages) built in "
              f"{time.perf_counter() - began:.0f} s", flush=True)  # fmt: skip
    set_up_checkpoint()
    print(f"setup: {per_memorial * memorials + SMALL_MEMORIAL} passages in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    return big, made[-1]


def loaded(per_memorial: int, memorials: int):  # type: ignore[no-untyped-def]
    """The memorials of a kept database, if it holds what was asked for."""
    from django.db import connection

    from memorials.models import Memorial

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT memorial_id, count(*) FROM corpus_passage GROUP BY memorial_id ORDER BY min(id)"
        )
        counts = cursor.fetchall()
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = ANY(%s)", [list(INDEXES)])
        if cursor.fetchone()[0] != len(INDEXES):
            return None  # a load that did not finish
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%%_hnsw'")
        if cursor.fetchone()[0] != 1:
            return None
    expected = [per_memorial] * memorials + [SMALL_MEMORIAL]
    if sorted(count for _, count in counts) != sorted(expected):
        return None
    return (
        Memorial.objects.get(id=counts[memorials // 2][0]),
        Memorial.objects.get(id=counts[-1][0]),
    )


def plans(big, small) -> None:  # type: ignore[no-untyped-def]
    """How the vector side runs on each memorial, and how close it is to the exact top."""
    from django.db import connection, transaction

    from core.crypto import memorial_cipher
    from corpus import retrieval
    from corpus.embeddings import embed_query
    from corpus.models import Passage
    from corpus.search_keys import memorial_search_keys
    from corpus.services.passages_store import vector_literal

    for memorial in (big, small):
        keys = memorial_search_keys(cipher=memorial_cipher(memorial_id=memorial.id))
        filters = retrieval._filters(memorial.id, None, None, None, False)
        shares: dict[int, list[float]] = {10: [], retrieval.CANDIDATES: []}
        for query in QUERIES:
            vector = keys.rotate(embed_query(query))
            with transaction.atomic(), connection.cursor() as cursor:
                found = retrieval._semantic_ranking(cursor, vector, filters)
                sql, params = retrieval.semantic_query(vector, filters)
                cursor.execute("EXPLAIN (COSTS OFF) " + sql, params)
                used = [row[0].strip(" ->") for row in cursor.fetchall() if "Scan" in row[0]]
                # Exact: every row's distance, then sorted. (With the distance in the ORDER BY
                # of the scan itself, Postgres 18 walks the HNSW graph even when index scans
                # are turned off, so that is no check.)
                cursor.execute(
                    "SELECT id FROM (SELECT id, embedding <=> %s::vector AS distance"
                    f" FROM {Passage._meta.db_table} WHERE {filters.sql()} OFFSET 0) AS every"
                    " ORDER BY distance, id LIMIT %s",
                    list[Any]([vector_literal(vector), *filters.params, retrieval.CANDIDATES]),
                )
                exact = [row[0] for row in cursor.fetchall()]
            for k, values in shares.items():
                values.append(len(set(found[:k]) & set(exact[:k])) / max(len(exact[:k]), 1))
        print(f"vector side, memorial of {memorial.passages.count()} passages: {used}; of the "
              f"exact nearest, over {len(QUERIES)} queries, it returns "
              + ", ".join(f"{statistics.mean(values):.0%} of the top {k}"
                          for k, values in shares.items()))  # fmt: skip


def parts(memorial, queries: int) -> None:  # type: ignore[no-untyped-def]
    """Median and p95 of each part of the retrieval, run apart: the query's embedding (with
    the memorial's key and rotation), the vector side, the keyword side (with the query's
    stemming and keying)."""
    from django.db import connection, transaction

    from core.crypto import memorial_cipher
    from corpus import retrieval
    from corpus.embeddings import embed_query
    from corpus.search_keys import memorial_search_keys, text_tokens

    filters = retrieval._filters(memorial.id, None, None, None, False)
    timings: dict[str, list[float]] = {"embedding": [], "vector": [], "keyword": []}
    for index in range(queries):
        query = QUERIES[index % len(QUERIES)] + f" {index}"
        began = time.perf_counter()
        keys = memorial_search_keys(cipher=memorial_cipher(memorial_id=memorial.id))
        vector = keys.rotate(embed_query(query))
        timings["embedding"].append(time.perf_counter() - began)
        with transaction.atomic(), connection.cursor() as cursor:
            began = time.perf_counter()
            retrieval._semantic_ranking(cursor, vector, filters)
            timings["vector"].append(time.perf_counter() - began)
            began = time.perf_counter()
            tokens = text_tokens(cursor=cursor, keys=keys, texts=[query])[0]
            retrieval._keyword_ranking(cursor, tokens, filters)
            timings["keyword"].append(time.perf_counter() - began)
    for name, values in timings.items():
        print(f"  {name}: median {statistics.median(values) * 1000:.1f} ms, "
              f"p95 {percentile(values, 0.95) * 1000:.1f} ms")  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def load_average() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def main() -> None:
    per_memorial = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    memorials = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    queries = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    reused = bench_setup()
    from django.db import connection

    from corpus.embeddings import embed_query
    from corpus.retrieval import passage_retrieve

    found = loaded(per_memorial, memorials) if reused else None
    if found:
        print("setup: reused the kept database")
    elif reused:
        with connection.cursor() as cursor:  # a kept load that did not finish: start again
            cursor.execute(
                "TRUNCATE corpus_passage, corpus_corpusstatistics, corpus_lexemefrequency"
            )
    big, small = found or load(per_memorial, memorials)
    embed_query("warm the model up")
    passage_retrieve(memorial_id=big.id, query="a first query warms the caches")
    plans(big, small)
    print(f"parts, {queries} queries (load average {load_average()}):")
    parts(big, queries)
    timings = []
    for index in range(queries):
        query = QUERIES[index % len(QUERIES)] + f" {index}"
        began = time.perf_counter()
        results = passage_retrieve(memorial_id=big.id, query=query, limit=10)
        timings.append((time.perf_counter() - began) * 1000)
        assert results
    print(f"{queries} queries, whole (load average {load_average()}): "
          f"median {statistics.median(timings):.1f} ms, max {max(timings):.1f} ms")  # fmt: skip
    print(f"p50_ms {statistics.median(timings):.1f}")
    print(f"p95_ms {percentile(timings, 0.95):.1f}")


if __name__ == "__main__":
    main()
