"""Withdrawing the corpus consent while an upload is being read: the document being written
is stored whole before the withdrawal or not at all, and queued uploads are dropped, each
saying why."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from consent.services import consent_revoke
from core.consent import ConsentScope
from corpus.models import Document, Passage, Upload, UploadStatus
from corpus.services import passages_store
from corpus.services.ingest import upload_ingest
from corpus.services.uploads import upload_create
from tests.consent.factories import grant_consent
from tests.corpus.conftest import whatsapp_export
from tests.memorials.factories import MemorialFactory

WORDS = [
    "garden",
    "harbour",
    "lemon",
    "sailing",
    "violin",
    "kettle",
    "meadow",
    "lantern",
    "orchard",
    "pebble",
]


def long_chat(messages: int, *, salt: str = "") -> bytes:
    """A chat long enough to make several thousand passages, every line different."""
    start = datetime(2020, 1, 1, 8, 0)
    lines = [
        (
            start + timedelta(minutes=7 * n),
            "Ann Smith" if n % 2 else "George",
            f"{salt}Message {n}: the {WORDS[n % 10]} and the {WORDS[(n * 7) % 10]} again, "
            f"number {n * 13 % 997}.",
        )
        for n in range(messages)
    ]
    return whatsapp_export(lines)


def _revoke(memorial) -> None:
    try:
        consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.CORPUS)
    finally:
        connection.close()


@pytest.fixture
def memorial(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, "corpus")
    return memorial


def test_a_withdrawal_in_the_middle_of_embedding_leaves_nothing_of_that_document(
    memorial, monkeypatch
):
    # given an upload of one chat of several thousand passages
    with transaction.atomic():
        upload, _ = upload_create(
            memorial_id=memorial.id, file=SimpleUploadedFile("chat.txt", long_chat(6000))
        )
    batches = []
    embed = passages_store.passage_vectors

    def embed_and_withdraw_midway(drafts, rows):
        batches.append(len(drafts))
        if len(batches) == 3:  # the document's transaction is open, two batches written
            withdrawal = threading.Thread(target=_revoke, args=[memorial])
            withdrawal.start()
            withdrawal.join(20)
            assert not withdrawal.is_alive(), "the withdrawal waited for the embedding"
        return embed(drafts, rows)

    monkeypatch.setattr(passages_store, "passage_vectors", embed_and_withdraw_midway)

    # when it is ingested and the subject withdraws while it embeds
    upload_ingest(upload_id=upload.id)

    # then the document was large (several batches) and nothing of it was stored
    assert batches[0] >= 2000 and len(range(0, batches[0], passages_store.PASSAGE_BATCH)) >= 4
    assert len(batches) < len(range(0, batches[0], passages_store.PASSAGE_BATCH))
    assert not Document.objects.filter(memorial=memorial).exists()
    assert not Passage.objects.filter(memorial_id=memorial.id).exists()
    # and the upload says why it stopped
    upload.refresh_from_db()
    assert upload.status == UploadStatus.STOPPED
    assert upload.error.startswith("Stopped because consent was withdrawn")


def test_a_withdrawal_during_the_last_moment_waits_and_the_document_is_whole(memorial, monkeypatch):
    """The other side of the same promise: once the document's step holds the consent, a
    withdrawal waits for its commit (a moment), and then the document is there whole."""
    from core.consent import consent_gate

    with transaction.atomic():
        upload, _ = upload_create(
            memorial_id=memorial.id, file=SimpleUploadedFile("chat.txt", long_chat(1200))
        )
    gate, real_hold, real_require = consent_gate(), consent_gate().hold, consent_gate().require
    withdrawal: list[threading.Thread] = []

    def hold_then_withdrawal_arrives(**kwargs):
        record = real_hold(**kwargs)
        if not withdrawal:  # the document's step, just before it commits
            withdrawal.append(threading.Thread(target=_revoke, args=[memorial]))
            withdrawal[0].start()
            time.sleep(0.5)
            assert withdrawal[0].is_alive(), "the withdrawal did not wait for the step"
        return record

    def require_once_the_withdrawal_is_done(**kwargs):
        # The upload's last word is a step of its own: the withdrawal, woken by the
        # document's commit, gets there first (left to the two threads, either may).
        if withdrawal:
            withdrawal[0].join(20)
        return real_require(**kwargs)

    monkeypatch.setattr(gate, "hold", hold_then_withdrawal_arrives)
    monkeypatch.setattr(gate, "require", require_once_the_withdrawal_is_done)
    upload_ingest(upload_id=upload.id)
    assert not withdrawal[0].is_alive()
    document = Document.objects.get(memorial=memorial)
    assert Passage.objects.filter(memorial_id=memorial.id).count() == document.passages_count > 0
    upload.refresh_from_db()  # its last word, after the withdrawal, found the consent gone
    assert upload.status == UploadStatus.STOPPED


def _status(upload_id) -> str:
    return Upload.objects.values_list("status", flat=True).get(pk=upload_id)


@pytest.mark.worker
def test_withdrawing_mid_ingest_at_a_real_worker_stops_it_and_drops_the_queued_ones(
    memorial, celery_worker_process
):
    # given a long upload being embedded by a worker, and two more queued behind it
    uploads = []
    for number, size in enumerate((9000, 300, 300)):
        with transaction.atomic():
            upload, _ = upload_create(
                memorial_id=memorial.id,
                file=SimpleUploadedFile(f"chat-{number}.txt", long_chat(size, salt=f"{number} ")),
            )
        uploads.append(upload)
    deadline = time.monotonic() + 120
    while _status(uploads[0].id) != UploadStatus.EMBEDDING:
        assert time.monotonic() < deadline, "the worker never started embedding"
        time.sleep(0.05)
    time.sleep(1.0)  # in the middle of it

    # when the subject withdraws the corpus consent
    _revoke(memorial)

    # then every upload ends stopped, saying why, and the queued ones never ran
    deadline = time.monotonic() + 60
    while any(_status(u.id) != UploadStatus.STOPPED for u in uploads):
        assert time.monotonic() < deadline, [_status(u.id) for u in uploads]
        time.sleep(0.2)
    time.sleep(2)  # and nothing moves afterwards
    for upload in uploads:
        upload.refresh_from_db()
        assert upload.status == UploadStatus.STOPPED
        assert upload.error.startswith("Stopped because consent was withdrawn")
    assert not Document.objects.filter(upload__in=uploads[1:]).exists()
    # and the long document is either whole or absent: never half
    for document in Document.objects.filter(upload=uploads[0]):
        stored = Passage.objects.filter(memorial_id=memorial.id, document=document).count()
        assert stored == document.passages_count
