"""Each memorial's passages in a partition of their own, with its own search indexes.

corpus_passage is partitioned by memorial (migration 0005 explains why). This module makes a
memorial's partition before its first passages, gives it an HNSW graph once it is big enough
to need one, and drops it when the memorial is erased.

The HNSW graph is built after an upload rather than grown row by row during it: inserting
into a graph cost ~1 ms a passage here (a third of the ingest), building one over 100,000
passages takes about a minute. Until then, and for memorials under VECTOR_INDEX_MIN_PASSAGES,
the vector search reads the memorial's partition and sorts it: exact, and quick at that size.
Once built, the graph takes later passages in as they come.

The app's database role owns none of these tables: it makes, indexes and drops partitions
through SECURITY DEFINER functions of the owner (migration 0006).
"""

from __future__ import annotations

import logging
import uuid

from django.db import DatabaseError, connection, transaction

from consent.gate import consent_require
from core.consent import ConsentScope
from memorials.models import Memorial, MemorialState

logger = logging.getLogger(__name__)

# Below this many passages an exact scan of the memorial's partition is quick (~3 us a row
# here); above it, the HNSW graph answers in a few ms whatever the size.
VECTOR_INDEX_MIN_PASSAGES = 2000
# pgvector's defaults, spelled out.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
# Dropping a partition needs a brief exclusive lock on corpus_passage, behind any running
# ingest transaction; rather than stall every reader behind it, give up and let the sweep
# (passage_partitions_sweep) drop it later.
DROP_LOCK_TIMEOUT = "3s"


def partition_name(memorial_id: uuid.UUID | str) -> str:
    return "corpus_passage_" + uuid.UUID(str(memorial_id)).hex


def vector_index_name(memorial_id: uuid.UUID | str) -> str:
    return partition_name(memorial_id) + "_hnsw"


def passage_partition_ensure(*, memorial_id: uuid.UUID | str) -> str:
    """The memorial's partition, made if missing (see migration 0006's function); safe when
    several first uploads ask at once. Call it outside any long transaction: the lock that
    serialises them (and the ATTACH's) is held until commit."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT corpus_passage_partition_ensure(%s)", [str(memorial_id)])
        return str(cursor.fetchone()[0])


def passage_vector_index_ensure(*, memorial_id: uuid.UUID | str) -> bool:
    """Build the memorial's HNSW graph if it has enough passages and none yet. True when
    the memorial has one afterwards. Blocks writes to this memorial's passages (not reads,
    not other memorials) while it builds."""
    consent_require(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
    table, index = partition_name(memorial_id), vector_index_name(memorial_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL, to_regclass(%s) IS NOT NULL",
                       [table, index])  # fmt: skip
        has_table, has_index = cursor.fetchone()
        if not has_table:
            return False
        if has_index:
            return True
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        if cursor.fetchone()[0] < VECTOR_INDEX_MIN_PASSAGES:
            return False
        with transaction.atomic():
            # Inside a wider transaction (a test's), deferred foreign-key checks would still be
            # pending, and CREATE INDEX refuses to run over pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT corpus_passage_vector_index_build(%s, %s, %s)",
                [str(memorial_id), HNSW_M, HNSW_EF_CONSTRUCTION],
            )
            return bool(cursor.fetchone()[0])


def passage_partition_drop(*, memorial_id: uuid.UUID | str) -> bool:
    """Drop the memorial's partition if it is empty (its passages are deleted first, through
    the ORM, so the statistics triggers see them go). False when it is still there: not
    empty, or the lock could not be had in time (the sweep tries again)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{DROP_LOCK_TIMEOUT}'")
            cursor.execute("SELECT corpus_passage_partition_drop(%s)", [str(memorial_id)])
            return bool(cursor.fetchone()[0])
    except DatabaseError:
        logger.warning("could not drop the passage partition of an erased memorial yet")
        return False


def passage_partitions_sweep() -> int:
    """Drop the leftover partitions of erased or deleted memorials; the number dropped."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partition.relname FROM pg_inherits"
            " JOIN pg_class AS partition ON partition.oid = pg_inherits.inhrelid"
            " WHERE pg_inherits.inhparent = 'corpus_passage'::regclass"
        )
        names = [row[0] for row in cursor.fetchall()]
    prefix = partition_name(uuid.UUID(int=0))[:-32]
    memorial_ids = {uuid.UUID(name[len(prefix) :]) for name in names if name.startswith(prefix)}
    living = set(
        Memorial.objects.filter(id__in=memorial_ids)
        .exclude(state=MemorialState.ERASED)
        .values_list("id", flat=True)
    )
    return sum(
        passage_partition_drop(memorial_id=memorial_id)
        for memorial_id in sorted(memorial_ids - living)
    )
