"""Each memorial's passages live in a partition of their own, made at the first ingest and
dropped when the memorial is erased (by the kill switch, or by the sweep if it could not)."""

from __future__ import annotations

import pytest
from django.db import connection

from corpus import partitions
from corpus.models import Passage
from memorials.erasure.services import memorial_erase
from memorials.models import Memorial, MemorialState
from tests.corpus.conftest import SAMPLE_CHAT, ingest, whatsapp_export
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db


def _exists(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        return bool(cursor.fetchone()[0])


def _partition_of(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(%s)"
            " AND inhparent = 'corpus_passage'::regclass)",
            [table],
        )
        return bool(cursor.fetchone()[0])


def test_the_first_ingest_makes_the_memorials_partition(memorial):
    table = partitions.partition_name(memorial.id)
    assert not _exists(table)

    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))

    assert _partition_of(table)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        assert cursor.fetchone()[0] == Passage.objects.filter(memorial=memorial).count() > 0
    # and asking again changes nothing
    assert partitions.passage_partition_ensure(memorial_id=memorial.id) == table


def test_the_kill_switch_drops_the_partition_and_its_graph(memorial, monkeypatch):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    monkeypatch.setattr(partitions, "VECTOR_INDEX_MIN_PASSAGES", 3)
    assert partitions.passage_vector_index_ensure(memorial_id=memorial.id)

    memorial_erase(memorial=memorial, actor=memorial.subject, reason="test")

    assert not _exists(partitions.partition_name(memorial.id))
    assert not _exists(partitions.vector_index_name(memorial.id))


def test_the_sweep_drops_what_an_erasure_left_and_nothing_else(memorial):
    # given an erased memorial whose (empty) partition could not be dropped at the time,
    # and a living one with passages
    erased = MemorialFactory()
    partitions.passage_partition_ensure(memorial_id=erased.id)
    Memorial.objects.filter(id=erased.id).update(state=MemorialState.ERASED)
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))

    dropped = partitions.passage_partitions_sweep()

    assert dropped == 1
    assert not _exists(partitions.partition_name(erased.id))
    assert _partition_of(partitions.partition_name(memorial.id))


def test_a_partition_that_still_holds_passages_is_not_dropped(memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))

    assert not partitions.passage_partition_drop(memorial_id=memorial.id)
    assert _partition_of(partitions.partition_name(memorial.id))


def test_the_daily_beat_runs_the_sweep(settings):
    from legacy.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["corpus-partitions-sweep"]
    erased = MemorialFactory()
    partitions.passage_partition_ensure(memorial_id=erased.id)
    Memorial.objects.filter(id=erased.id).update(state=MemorialState.ERASED)

    app.tasks[entry["task"]].apply()

    assert not _exists(partitions.partition_name(erased.id))
