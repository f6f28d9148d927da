"""Several first uploads to a brand-new memorial at once: each makes sure of the memorial's
partition, and every one of them succeeds with one partition made."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta

import pytest
from django.db import connection

from corpus import partitions
from corpus.models import Passage, Upload, UploadStatus
from corpus.services import passages_store
from corpus.services.ingest import upload_ingest
from tests.consent.factories import grant_consent
from tests.corpus.conftest import upload, whatsapp_export
from tests.memorials.factories import MemorialFactory

UPLOADS = 4


@pytest.mark.django_db(transaction=True)
def test_parallel_first_uploads_to_a_new_memorial_all_succeed(monkeypatch):
    # given a new memorial (no partition yet) and four different files uploaded to it
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, "corpus")
    start = datetime(2021, 5, 1, 9, 0)
    chats = [
        [
            (start + timedelta(days=n, minutes=m), "Ann Smith", f"Note {n}.{m} on the garden")
            for m in range(3)
        ]
        for n in range(UPLOADS)
    ]
    stored = [
        upload(memorial, f"chat-{n}.txt", whatsapp_export(chat))[0] for n, chat in enumerate(chats)
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [partitions.partition_name(memorial.id)])
        assert cursor.fetchone()[0] is None
    # when their ingests reach the partition at the same moment, each in its own connection
    barrier = threading.Barrier(UPLOADS)
    ensure = passages_store.passage_partition_ensure

    def ensure_together(*, memorial_id: uuid.UUID) -> str:
        barrier.wait(timeout=60)
        return ensure(memorial_id=memorial_id)

    monkeypatch.setattr(passages_store, "passage_partition_ensure", ensure_together)
    errors: list[BaseException] = []

    def ingest(upload_id: uuid.UUID) -> None:
        try:
            upload_ingest(upload_id=upload_id)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ingest, args=(item.id,)) for item in stored]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then every upload is ingested, into the one partition
    assert errors == []
    statuses = Upload.objects.filter(memorial=memorial).values_list("status", "error")
    assert list(statuses) == [(UploadStatus.DONE, "")] * UPLOADS
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'corpus_passage'::regclass"
            " AND inhrelid = to_regclass(%s)",
            [partitions.partition_name(memorial.id)],
        )
        assert cursor.fetchone()[0] == 1
    assert Passage.objects.filter(memorial=memorial).count() >= UPLOADS
