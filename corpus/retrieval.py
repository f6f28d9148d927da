"""The one retrieval function: a memorial's best passages for a query.

Two rankings are fused by reciprocal rank fusion (RRF): nearest embeddings (pgvector, cosine
distance) and full-text matches (Postgres, an OR of the query's lexemes, or of pairs of the
rarest when even the rarest is common: `keyword_plan`; scored by BM25). Both
read only the memorial's own partition of corpus_passage (corpus.partitions): its GIN index,
and its HNSW graph once it is big enough to have one. Both search the memorial's keyed search
structures (corpus.search_keys): the query's vector is rotated by the memorial's rotation and
its lexemes become the memorial's tokens, as the passages' were when they were written. The
passages either side of each strong fused hit then earn a share of its score, so the turns
around an answer (the question before it, the reply after it) come along. Filters: register,
date range, only the subject's own words. Tuned with bench/locomo_recall.py; timed with
bench/retrieval_latency.py.
"""

from __future__ import annotations

import itertools
import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db import connection, transaction

from consent.gate import consent_check
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from corpus.embeddings import embed_query
from corpus.models import CorpusStatistics, LexemeFrequency, Passage
from corpus.records import PassageRecord
from corpus.search_keys import memorial_search_keys, text_tokens
from corpus.services.passages_store import vector_literal
from corpus.writing import PASSAGE_FIELDS, passage_record

# Tuned on LoCoMo dev (bench/locomo_recall.py, turn-level evidence recall@5/10/20), with the
# earlier passage vectors (the turn embedded with its date, speaker and neighbours), which
# gave 0.636 / 0.765 / 0.830 (as shipped now: bench/README.md). Measured then, with BM25
# counting term frequencies (see _keyword_ranking): the neighbours of the 10 best fused hits
# earning 0.8 of their score, 0.639 / 0.785 / 0.831 @5/10/20; of the 5 best 0.658 / 0.759 /
# 0.818; of the 20 best 0.628 / 0.756 / 0.829; share 0.6 or 0.9 @10 0.777; instead, every hit
# followed by its neighbours in reading order (the colleague's recipe) 0.628 / 0.740 / 0.824
# here. RRF k=20 @10 0.750, k=5 0.764.
RRF_K = 10  # a small k: ranks near the top count for much more (k=60 was 0.60 @10)
CANDIDATES = 100  # taken from each ranking before fusion (50: 0.752 @10)
NEIGHBOURS = 1  # passages either side of a hit that share in its score
NEIGHBOUR_SHARE = 0.8  # of the hit's fused score, given to each neighbour
NEIGHBOURS_OF_TOP = 10  # only the strongest hits lend their score
# BM25 over the tsvector rather than ts_rank, which has no IDF: a name in every line
# outweighs the topic (ts_rank unnormalised, with the 5 best lending: 0.758 @10). With every
# term frequency taken as 1, b 0.5 / 0.75 / 0.9 or k1 2.0 all give 0.765-0.770 @10.
BM25_K1 = 1.2
BM25_B = 0.75
# HNSW search: candidates kept while walking the graph; with iterative scan, the walk goes on
# (up to hnsw.max_scan_tuples) while the memorial and filters leave fewer rows than LIMIT.
HNSW_EF_SEARCH = 100

# Keyword side, against latency: lexemes in more than this share of the memorial's passages
# are left out, and candidates are found by the rarest lexemes up to this many passages.
# On LoCoMo (memorials of ~400 passages) leaving out lexemes in more than 50 % / 20 % / 10 % /
# 5 % of passages gives 0.785 / 0.783 / 0.752 / 0.733 @10 (none left out: 0.785), and a budget
# of 60 / 30 / 12 passages (10 % / 5 % / 2 %) 0.771 / 0.764 / 0.728.
MAX_SHARE = 0.2
COMMON_FLOOR = 50  # passages: in a memorial of 7, every lexeme is in more than 20 % of them
MATCH_BUDGET = 2000
# When even the rarest lexeme is in more than MATCH_BUDGET passages, the candidates are the
# passages holding two of the PAIRED rarest (still at most MATCH_BUDGET of them), which BM25
# ranks first anyway, rather than an arbitrary MATCH_BUDGET of the rarest lexeme's. On LoCoMo
# dev, with the budget scaled down so that it binds (recall@5/10/20; none: 0.685 / 0.772 /
# 0.820): a budget of 10 passages 0.615 / 0.721 / 0.772 by the rarest lexeme, 0.634 / 0.743 /
# 0.799 by pairs of the 3 rarest (of the 4: 0.734 @10); 20 passages 0.654 / 0.747 / 0.802,
# pairs 0.661 / 0.756 / 0.804; 40 passages 0.681 / 0.766 / 0.816, pairs 0.686 / 0.770 /
# 0.816. Topping the pairs up with the rarest lexeme's passages when they are fewer than
# CANDIDATES was no better (0.732 / 0.754 / 0.770 @10). A lone lexeme past the budget finds
# no candidates at all: BM25 would rank its passages by length alone, and an arbitrary
# MATCH_BUDGET of them add nothing to the vector side (pairs, with the lone lexeme's
# arbitrary passages / without: 0.743 / 0.748 @10 at 10 passages, 0.762 / 0.769 at 20, 0.770
# / 0.766 at 40, where 4 questions of 225 have one; 5 ms a query at 100,000 passages).
PAIRED = 3

_TABLE = Passage._meta.db_table
_STATISTICS = CorpusStatistics._meta.db_table
_FREQUENCIES = LexemeFrequency._meta.db_table


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
) -> list[PassageRecord]:
    """The `limit` best passages of this memorial (and only this one) for `query`."""
    consent_check(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
    if not query.strip():
        return []
    filters = _filters(memorial_id, registers, since, until, subject_only)
    cipher = memorial_cipher(memorial_id=uuid.UUID(str(memorial_id)))
    keys = memorial_search_keys(cipher=cipher)
    vector = keys.rotate(embed_query(query))
    with transaction.atomic(), connection.cursor() as cursor:
        semantic = _semantic_ranking(cursor, vector, filters)
        tokens = text_tokens(cursor=cursor, keys=keys, texts=[query])[0]
        keyword = _keyword_ranking(cursor, tokens, filters)
        scores: dict[int, float] = {}
        for ranking in (semantic, keyword):
            for rank, passage_id in enumerate(ranking):
                scores[passage_id] = scores.get(passage_id, 0.0) + 1.0 / (RRF_K + rank + 1)
        rows = _neighbours_lend(cursor, scores, filters, limit=limit, vector=vector)
    return [
        passage_record(rows[passage_id][0], cipher, score=scores[passage_id],
                       cosine=rows[passage_id][1])
        for passage_id in _best(scores)[:limit]
        if passage_id in rows
    ]  # fmt: skip


def passage_cosines(
    *, memorial_id: uuid.UUID | str, query: str, passage_ids: list[int]
) -> dict[int, float]:
    """The cosine of `query`'s embedding and each passage's stored vector (the vector
    retrieval searches: the words with their speaker, date and neighbouring turns summed in,
    `corpus.passage_vectors`), by passage id. Both are rotated alike, which keeps cosines."""
    consent_check(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
    if not passage_ids or not query.strip():
        return {}
    keys = memorial_search_keys(cipher=memorial_cipher(memorial_id=uuid.UUID(str(memorial_id))))
    vector = keys.rotate(embed_query(query))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, 1 - (embedding <=> %s::vector) FROM {_TABLE}"
            " WHERE memorial_id = %s AND id = ANY(%s)",
            [vector_literal(vector), str(memorial_id), list(passage_ids)],
        )
        return {passage_id: float(cosine) for passage_id, cosine in cursor.fetchall()}


def _best(scores: dict[int, float]) -> list[int]:
    return sorted(scores, key=lambda passage_id: (-scores[passage_id], passage_id))


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
    """Nearest passages by cosine distance to `vector` (the query's, rotated as the
    memorial's passages were), in the memorial's partition. A big memorial has
    its own HNSW graph, which the planner walks (approximate; with a register or date filter
    the iterative scan goes on until enough rows pass; relaxed_order may return rows slightly
    out of order, hence the outer sort); a small one, or a big one whose graph is still being
    built, has its rows read and sorted (exact)."""
    sql, params = semantic_query(vector, filters)
    # The search's settings, then the search: two statements, as statements bound on the
    # server (legacy.settings) cannot share a round trip with parameters.
    cursor.execute(
        f"SET LOCAL hnsw.ef_search = {HNSW_EF_SEARCH};"
        " SET LOCAL hnsw.iterative_scan = relaxed_order"
    )
    cursor.execute(sql, params)
    return [row[0] for row in cursor.fetchall()]


def semantic_query(vector: np.ndarray, filters: _Filters) -> tuple[str, list[Any]]:
    """The vector side's SQL and parameters (bench/retrieval_latency.py explains it)."""
    return (
        "WITH nearest AS MATERIALIZED ("
        f" SELECT id, embedding <=> %s::vector AS distance FROM {_TABLE}"
        f" WHERE {filters.sql()} ORDER BY distance LIMIT %s"
        ") SELECT id FROM nearest ORDER BY distance, id",
        [vector_literal(vector), *filters.params, CANDIDATES],
    )


def lexemes_any_tsquery(lexemes: list[str]) -> str:
    """`'a' | 'b'` in tsquery syntax: any lexeme (here: token) matches, each quoted verbatim."""
    return " | ".join("'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
                      for lexeme in lexemes)  # fmt: skip


@dataclass(frozen=True)
class KeywordPlan:
    """What the keyword side searches by: a passage holding every lexeme of any group of
    `matching` is a candidate, and all the lexemes of `idf` score them. (The lexemes are the
    memorial's tokens of them: `corpus.search_keys`.)"""

    matching: list[tuple[str, ...]]
    idf: dict[str, float]
    average_length: float

    def candidates_tsquery(self) -> str:
        """`matching` in tsquery syntax: `('a') | ('b')`, or `('a' & 'b') | ('a' & 'c')`."""
        return " | ".join(
            "(" + " & ".join(lexemes_any_tsquery([lexeme]) for lexeme in group) + ")"
            for group in self.matching
        )


def keyword_plan(*, passages: int, lexemes: int, frequencies: dict[str, int]) -> KeywordPlan | None:
    """From the memorial's statistics and the query lexemes' document frequencies (absent:
    in no passage), which lexemes to search by. Lexemes in more than MAX_SHARE of the
    passages (and more than COMMON_FLOOR: a tiny memorial keeps them all) are left out; the
    rest find candidates rarest first, up to MATCH_BUDGET passages, and all of them score.
    When even the rarest is past the budget, passages holding two of the PAIRED rarest are
    the candidates, and a lone lexeme finds none (None)."""
    kept = sorted(
        (count, lexeme)
        for lexeme, count in frequencies.items()
        if 0 < count <= max(MAX_SHARE * passages, COMMON_FLOOR)
    )
    if not kept:
        return None
    matching: list[tuple[str, ...]] = []
    if kept[0][0] > MATCH_BUDGET:
        if len(kept) == 1:
            return None
        matching += itertools.combinations([lexeme for _, lexeme in kept[:PAIRED]], 2)
    else:
        total = 0
        for count, lexeme in kept:
            if matching and total + count > MATCH_BUDGET:
                break
            matching.append((lexeme,))
            total += count
    return KeywordPlan(
        matching=matching,
        idf={
            lexeme: math.log(1 + (passages - count + 0.5) / (count + 0.5)) for count, lexeme in kept
        },
        average_length=lexemes / passages,
    )


def _keyword_ranking(cursor, tokens: list[str], filters: _Filters) -> list[int]:  # type: ignore[no-untyped-def]
    """Passages holding the query's informative lexemes (`tokens`: the memorial's tokens of
    them), best BM25 first."""
    if not tokens:
        return []
    cursor.execute(
        f"SELECT s.passages, s.lexemes, f.lexeme, f.passages FROM {_STATISTICS} AS s"
        f" JOIN {_FREQUENCIES} AS f ON f.memorial_id = s.memorial_id AND f.lexeme = ANY(%s)"
        " WHERE s.memorial_id = %s",
        [tokens, filters.params[0]],
    )
    rows = cursor.fetchall()
    if not rows:
        return []
    plan = keyword_plan(
        passages=rows[0][0], lexemes=rows[0][1], frequencies={row[2]: row[3] for row in rows}
    )
    if plan is None:
        return []
    # BM25 with every term frequency taken as 1 (a lexeme seldom comes twice in a passage;
    # reading the counts out of each candidate's tsvector cost ~20 us a candidate, and
    # counting them was worth 0.783 -> 0.765 @10 on LoCoMo):
    # sum(idf of the lexemes it holds) * (k1 + 1) / (1 + k1 * (1 - b + b * length / average)).
    # Candidates are capped at MATCH_BUDGET (pairs that common together).
    # float8 throughout: bare Python floats arrive as numeric, several times slower to add.
    held = " + ".join(
        ["CASE WHEN p.search @@ %s::tsquery THEN %s::float8 ELSE 0 END"] * len(plan.idf)
    )
    cursor.execute(
        "SELECT p.id FROM ("
        f" SELECT id, search, length(search) AS length FROM {_TABLE}"
        f" WHERE {filters.sql()} AND search @@ %s::tsquery LIMIT %s"
        f") AS p ORDER BY ({held}) / (1 + %s::float8 * (1 - %s::float8 + %s::float8 * p.length"
        " / %s::float8)) DESC, p.id"
        " LIMIT %s",
        [*filters.params, plan.candidates_tsquery(), MATCH_BUDGET,
         *[item for lexeme, idf in plan.idf.items()
           for item in (lexemes_any_tsquery([lexeme]), idf)],
         BM25_K1, BM25_B, BM25_B, plan.average_length, CANDIDATES],
    )  # fmt: skip
    return [row[0] for row in cursor.fetchall()]


def _neighbours_lend(
    cursor, scores: dict[int, float], filters: _Filters, *, limit: int, vector: np.ndarray
) -> dict[int, tuple[Passage, float]]:  # type: ignore[no-untyped-def]
    """Each passage either side of a strong hit (the NEIGHBOURS_OF_TOP best; in its
    document, passing the filters) earns a share of the hit's score: the best share it is
    offered, added to its own. In the same query, the passages that can be among the
    `limit` best afterwards are read (lending only raises scores, so those are the `limit`
    best before it and the neighbours), each with its cosine with the query's `vector`
    (rotated, as `passage_cosines` reads it): by id, still encrypted, with that cosine."""
    best = _best(scores)
    top, before = best[:NEIGHBOURS_OF_TOP], best[:limit]
    if not before:
        return {}
    # Positions spelled out (not BETWEEN) so Postgres looks each one up in the unique
    # (memorial, document, position) index: with a range it hashed the whole memorial instead
    # (150 ms on a document of 100,000 passages, against 1 ms).
    offsets = [offset for offset in range(-NEIGHBOURS, NEIGHBOURS + 1) if offset]
    positions = ", ".join(f"hit.position + ({offset})" for offset in offsets)
    fields = ", ".join(f"p.{field}" for field in PASSAGE_FIELDS)
    cursor.execute(
        "WITH lent AS ("
        f" SELECT hit.id AS hit, neighbour.id AS id FROM {_TABLE} AS hit JOIN {_TABLE} AS neighbour"
        " ON neighbour.memorial_id = hit.memorial_id AND neighbour.document_id = hit.document_id"
        f" AND neighbour.position IN ({positions})"
        f" WHERE {filters.sql('hit')} AND hit.id = ANY(%s) AND {filters.sql('neighbour')}"
        f") SELECT {fields}, 1 - (p.embedding <=> %s::vector),"
        " ARRAY(SELECT lent.hit FROM lent WHERE lent.id = p.id)"
        f" FROM {_TABLE} AS p WHERE {filters.sql('p')}"
        " AND p.id IN (SELECT id FROM lent UNION ALL SELECT unnest(%s::bigint[]))",
        [*filters.params, top, *filters.params, vector_literal(vector), *filters.params, before],
    )
    rows: dict[int, tuple[Passage, float]] = {}
    lent: dict[int, float] = {}
    for *values, cosine, hits in cursor.fetchall():
        row = Passage(**dict(zip(PASSAGE_FIELDS, values, strict=True)))
        rows[row.id] = (row, float(cosine))
        for hit in hits:
            lent[row.id] = max(lent.get(row.id, 0.0), scores[hit] * NEIGHBOUR_SHARE)
    for neighbour, share in lent.items():
        scores[neighbour] = scores.get(neighbour, 0.0) + share
    return rows
