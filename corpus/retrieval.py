"""The one retrieval function: a memorial's best passages for a query.

Two rankings are fused by reciprocal rank fusion (RRF): nearest embeddings (pgvector, cosine
distance through the HNSW index) and full-text matches (Postgres, an OR of the query's
lexemes, scored by BM25). The passages either side of each fused hit then follow it in
reading order, so the turns around an answer (the question before it, the reply after it)
come along. Filters: register, date range, only the subject's own words. Tuned with
bench/locomo_recall.py; timed with bench/retrieval_latency.py.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import connection, transaction

from consent.encryption import memorial_cipher
from consent.gate import consent_require
from consent.models import ConsentScope
from corpus.embeddings import embed_query
from corpus.models import Passage
from corpus.services.passages_store import SEARCH_CONFIG

# Tuned on LoCoMo dev (bench/locomo_recall.py, turn-level evidence recall@5/10/20).
RRF_K = 10  # a small k: ranks near the top count for much more (k=60: 0.60 -> 0.73 @10)
CANDIDATES = 100  # taken from each ranking before fusion
NEIGHBOURS = 1  # passages either side of a hit, placed right after it
# BM25 over the tsvector (ts_rank has no IDF: a name in every line outweighs the topic).
BM25_K1 = 1.2
BM25_B = 0.75
# HNSW search: candidates kept while walking the graph; with iterative scan, the walk goes on
# (up to hnsw.max_scan_tuples) while the memorial and filters leave fewer rows than LIMIT.
HNSW_EF_SEARCH = 100

_TABLE = Passage._meta.db_table


@dataclass
class RetrievedPassage:
    id: int
    document_id: uuid.UUID
    position: int
    text: str
    speaker: str
    is_subject: bool
    sent_at: datetime | None
    register: str
    score: float


@dataclass(frozen=True)
class _Filters:
    conditions: list[str]  # over corpus_passage's columns, "{t}" standing for the table
    params: list[object]

    def sql(self, table: str = _TABLE) -> str:
        return " AND ".join(condition.format(t=table) for condition in self.conditions)


def passage_retrieve(
    *,
    memorial_id: uuid.UUID | str,
    query: str,
    limit: int = 10,
    registers: list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    subject_only: bool = False,
) -> list[RetrievedPassage]:
    """The `limit` best passages of this memorial (and only this one) for `query`."""
    consent_require(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
    if not query.strip():
        return []
    filters = _filters(memorial_id, registers, since, until, subject_only)
    vector = embed_query(query)
    with transaction.atomic(), connection.cursor() as cursor:
        semantic = _semantic_ranking(cursor, vector, filters)
        keyword = _keyword_ranking(cursor, query, filters)
        scores: dict[int, float] = {}
        for ranking in (semantic, keyword):
            for rank, passage_id in enumerate(ranking):
                scores[passage_id] = scores.get(passage_id, 0.0) + 1.0 / (RRF_K + rank + 1)
        hits = sorted(scores, key=lambda passage_id: (-scores[passage_id], passage_id))
        ordered = _with_neighbours(cursor, hits[:limit], scores, filters)[:limit]
    return _passages_load(memorial_id, ordered, scores)


def _filters(memorial_id, registers, since, until, subject_only) -> _Filters:  # type: ignore[no-untyped-def]
    conditions: list[str] = ["{t}.memorial_id = %s"]
    params: list[object] = [str(memorial_id)]
    if registers:
        conditions.append("{t}.register = ANY(%s)")
        params.append(list(registers))
    if since is not None:
        conditions.append("{t}.sent_at >= %s")
        params.append(since)
    if until is not None:
        conditions.append("{t}.sent_at < %s")
        params.append(until)
    if subject_only:
        conditions.append("{t}.is_subject")
    return _Filters(conditions, params)


def _semantic_ranking(cursor, vector: np.ndarray, filters: _Filters) -> list[int]:  # type: ignore[no-untyped-def]
    """Nearest passages by cosine distance. On a big memorial the planner walks the HNSW
    graph (approximate; relaxed_order may return rows slightly out of order, hence the outer
    sort); on a small one it reads the memorial's rows by btree and sorts them (exact)."""
    cursor.execute(f"SET LOCAL hnsw.ef_search = {HNSW_EF_SEARCH}")
    cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
    literal = "[" + ",".join(f"{value:.7g}" for value in vector) + "]"
    cursor.execute(
        "WITH nearest AS MATERIALIZED ("
        f" SELECT id, embedding <=> %s::vector AS distance FROM {_TABLE}"
        f" WHERE {filters.sql()} ORDER BY distance LIMIT %s"
        ") SELECT id FROM nearest ORDER BY distance, id",
        [literal, *filters.params, CANDIDATES],
    )
    return [row[0] for row in cursor.fetchall()]


def query_lexemes(cursor, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    cursor.execute("SELECT tsvector_to_array(to_tsvector(%s::regconfig, %s))",
                   [SEARCH_CONFIG, query])  # fmt: skip
    return list(cursor.fetchone()[0] or [])


def lexemes_any_tsquery(lexemes: list[str]) -> str:
    """`'a' | 'b'` in tsquery syntax: any lexeme matches, each quoted verbatim."""
    return " | ".join("'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
                      for lexeme in lexemes)  # fmt: skip


def _keyword_ranking(cursor, query: str, filters: _Filters) -> list[int]:  # type: ignore[no-untyped-def]
    """Passages holding any of the query's lexemes, best BM25 first."""
    lexemes = query_lexemes(cursor, query)
    if not lexemes:
        return []
    cursor.execute(
        "WITH stats AS ("
        f" SELECT count(*) AS n, avg(length(search)) AS avglen FROM {_TABLE}"
        f" WHERE {filters.sql()}"
        "), hits AS ("
        "  SELECT p.id, length(p.search) AS len, u.lexeme,"
        "   coalesce(array_length(u.positions, 1), 1) AS tf"
        f" FROM {_TABLE} AS p, unnest(p.search) AS u"
        f" WHERE {filters.sql('p')} AND p.search @@ %s::tsquery AND u.lexeme = ANY(%s)"
        "), df AS (SELECT lexeme, count(*) AS df FROM hits GROUP BY lexeme)"
        " SELECT hits.id FROM hits JOIN df USING (lexeme), stats GROUP BY hits.id"
        " ORDER BY sum(ln(1 + (stats.n - df.df + 0.5) / (df.df + 0.5)) * hits.tf * (%s + 1)"
        "  / (hits.tf + %s * (1 - %s + %s * hits.len / stats.avglen))) DESC, hits.id"
        " LIMIT %s",
        [*filters.params, *filters.params, lexemes_any_tsquery(lexemes), lexemes,
         BM25_K1, BM25_K1, BM25_B, BM25_B, CANDIDATES],
    )  # fmt: skip
    return [row[0] for row in cursor.fetchall()]


def _with_neighbours(
    cursor, hits: list[int], scores: dict[int, float], filters: _Filters
) -> list[int]:  # type: ignore[no-untyped-def]
    """The hits in order, each followed by the passages either side of it in its document
    (that pass the filters), each passage once."""
    if not hits:
        return []
    cursor.execute(
        f"SELECT hit.id, neighbour.id FROM {_TABLE} AS hit JOIN {_TABLE} AS neighbour"
        " ON neighbour.document_id = hit.document_id"
        " AND neighbour.position BETWEEN hit.position - %s AND hit.position + %s"
        f" WHERE hit.id = ANY(%s) AND {filters.sql('neighbour')}"
        " ORDER BY neighbour.position",
        [NEIGHBOURS, NEIGHBOURS, hits, *filters.params],
    )
    around: dict[int, list[int]] = {}
    for hit, neighbour in cursor.fetchall():
        around.setdefault(hit, []).append(neighbour)
    ordered: dict[int, None] = {}
    for hit in hits:
        for passage_id in around.get(hit, [hit]):
            if passage_id not in ordered:
                ordered[passage_id] = None
                scores[passage_id] = scores[hit]  # placed with the hit, scored as it
    return list(ordered)


def _passages_load(memorial_id, ids: list[int], scores: dict[int, float]) -> list[RetrievedPassage]:  # type: ignore[no-untyped-def]
    if not ids:
        return []
    rows = Passage.objects.filter(memorial_id=memorial_id, id__in=ids).only(
        "id",
        "document_id",
        "position",
        "text_encrypted",
        "speaker",
        "is_subject",
        "sent_at",
        "register",
    )
    cipher = memorial_cipher(memorial_id=uuid.UUID(str(memorial_id)))
    found = {
        row.id: RetrievedPassage(
            id=row.id,
            document_id=row.document_id,
            position=row.position,
            text=cipher.decrypt_text(row.text_encrypted),
            speaker=row.speaker,
            is_subject=row.is_subject,
            sent_at=row.sent_at,
            register=row.register,
            score=scores[row.id],
        )
        for row in rows
    }
    return [found[passage_id] for passage_id in ids if passage_id in found]
