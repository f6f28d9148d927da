"""The vector side has one HNSW graph over every memorial, filtered by memorial: a small
memorial's results must not change when another, much bigger one shares the table."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from corpus import retrieval
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
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO corpus_passage (memorial_id, document_id, position, text_encrypted,"
            " speaker, speaker_id, is_subject, sent_at, register, embedding, search)"
            " SELECT %s, %s, copy * 1000 + position, text_encrypted, speaker, speaker_id,"
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
    # because a small memorial's rows are read by memorial and sorted (exact), not found by
    # walking the HNSW graph, which may leave some out (see corpus.retrieval)
    with transaction.atomic(), connection.cursor() as cursor:
        filters = retrieval._filters(memorial.id, None, None, None, False)
        sql, params = retrieval.semantic_query(embed_query(QUERIES[0]), filters)
        cursor.execute("EXPLAIN " + sql, params)
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "passage_embedding_hnsw" not in plan
