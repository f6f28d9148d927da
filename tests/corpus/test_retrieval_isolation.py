"""Passages are partitioned by memorial: a memorial's results must not change when another,
much bigger one is stored beside it, and its searches read only its own partition."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from corpus import partitions, retrieval
from corpus.embeddings import embed_query
from corpus.models import Document
from tests.corpus.conftest import SAMPLE_CHAT, ingest, whatsapp_export
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db

QUERIES = ["dolphins on the boat trip", "lemon drizzle cake", "watering the tomatoes", "Cornwall"]
COPIES = 300  # of each of the memorial's passages, in the other memorial


def _results(memorial) -> dict[str, list[tuple[int, float]]]:  # type: ignore[no-untyped-def]
    return {
        query: [
            (r.id, r.score)
            for r in retrieval.passage_retrieve(memorial_id=memorial.id, query=query)
        ]
        for query in QUERIES
    }


def _crowd(memorial) -> None:  # type: ignore[no-untyped-def]
    """Another memorial holding COPIES of every passage of this one: the same lexemes and
    vectors nearby, so a walk filtered by memorial meets mostly theirs. (Copies much closer
    than this, by the hundred, test HNSW itself: it then leaves some of the originals with
    no way in, and reaches them neither with nor without a filter.)"""
    other = MemorialFactory()
    document = Document.objects.create(
        memorial=other, kind="chat", source="whatsapp", title_encrypted=b"",
        text_encrypted=b"", register="friends", content_sha256="0" * 64,
    )  # fmt: skip
    partitions.passage_partition_ensure(memorial_id=other.id)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO corpus_passage (memorial_id, document_id, position, text_encrypted,"
            " speaker_encrypted, speaker_id_encrypted, speaker_hash, speaker_id_hash, is_subject,"
            " sent_at, register, embedding, search)"
            " SELECT %s, %s, copy * 1000 + position, text_encrypted, speaker_encrypted,"
            " speaker_id_encrypted, speaker_hash, speaker_id_hash,"
            " is_subject, sent_at, register, (SELECT array_agg(x + (random() - 0.5) * 0.1)"
            "  FROM unnest(embedding::real[]) AS x)::vector, search"
            " FROM corpus_passage, generate_series(1, %s) AS copy WHERE memorial_id = %s",
            [other.id, document.id, COPIES, memorial.id],
        )
        cursor.execute("ANALYZE corpus_passage")


def test_results_are_the_same_beside_a_much_bigger_memorial(memorial):
    # given
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    alone = _results(memorial)
    # when
    _crowd(memorial)
    # then
    assert _results(memorial) == alone
    # because both sides read this memorial's partition alone, and a small memorial has no
    # HNSW graph: its rows are sorted by distance (exact)
    plan = _vector_plan(memorial)
    assert partitions.partition_name(memorial.id) in plan
    assert "hnsw" not in plan
    others = Document.objects.exclude(memorial=memorial).values_list("memorial_id", flat=True)
    assert others
    assert not any(partitions.partition_name(other) in plan for other in others)


def _vector_plan(memorial) -> str:  # type: ignore[no-untyped-def]
    with transaction.atomic(), connection.cursor() as cursor:
        filters = retrieval._filters(memorial.id, None, None, None, False)
        sql, params = retrieval.semantic_query(embed_query(QUERIES[0]), filters)
        cursor.execute("EXPLAIN " + sql, params)
        return " ".join(row[0] for row in cursor.fetchall())


def test_a_big_memorial_gets_its_own_hnsw_graph_and_searches_through_it(memorial, monkeypatch):
    # given a memorial past the size that calls for a graph (made small here)
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    exact = _results(memorial)
    monkeypatch.setattr(partitions, "VECTOR_INDEX_MIN_PASSAGES", 3)
    # when its graph is built (queued after each upload)
    assert partitions.passage_vector_index_ensure(memorial_id=memorial.id)
    # then the vector side walks it, and finds what the exact scan found
    with connection.cursor() as cursor:
        # A handful of rows: sorting them costs the planner less than the graph; forbid it.
        cursor.execute("SET enable_seqscan = off; SET enable_sort = off")
        plan = _vector_plan(memorial)
        graph = _results(memorial)
        cursor.execute("RESET enable_seqscan; RESET enable_sort")
    assert partitions.vector_index_name(memorial.id) in plan
    assert {query: [i for i, _ in r] for query, r in graph.items()} == {
        query: [i for i, _ in r] for query, r in exact.items()
    }


def test_a_memorial_under_the_size_gets_no_graph(memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))

    assert not partitions.passage_vector_index_ensure(memorial_id=memorial.id)
    assert "hnsw" not in _vector_plan(memorial)
