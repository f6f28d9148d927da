"""An ingest killed half way is run again: it finishes, and no passage is stored twice."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from corpus.models import Document, Passage, UploadStatus
from corpus.services import ingest as ingest_service
from corpus.services import passages_store
from corpus.services.ingest import upload_ingest
from tests.corpus.conftest import outcomes, upload, whatsapp_export, zip_of

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing on the way catches it."""


def chat(topic: str, start: datetime) -> bytes:
    return whatsapp_export([
        (start + timedelta(minutes=i), "Ann Smith" if i % 2 == 0 else "George",
         f"{topic} message number {i}")
        for i in range(6)
    ])  # fmt: skip


@pytest.mark.parametrize(
    ("together", "embedder", "stored_before"),
    [
        (1, "passage_vectors", 1),  # each document embedded alone, as it is written
        (7, "documents_vectors", 2),  # the first two embedded together, then the third
    ],
)
def test_a_crashed_ingest_resumes_without_duplicate_passages(
    memorial, monkeypatch, together, embedder, stored_before
):
    archive = zip_of({
        f"chat-{n}.txt": chat(topic, datetime(2020, 1, 1 + n))
        for n, topic in enumerate(["garden", "sailing", "baking"])
    })  # fmt: skip
    stored, _ = upload(memorial, "chats.zip", archive)
    monkeypatch.setattr(ingest_service, "EMBEDDED_TOGETHER", together)
    # given a worker that dies the second time it embeds
    real_embed = getattr(passages_store, embedder)
    calls = {"n": 0}

    def dying_embed(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise WorkerKilled
        return real_embed(*args)

    monkeypatch.setattr(passages_store, embedder, dying_embed)
    with pytest.raises(WorkerKilled):
        upload_ingest(upload_id=stored.id)
    stored.refresh_from_db()
    assert stored.status == UploadStatus.EMBEDDING  # left unfinished
    # what was embedded before it died is there, each document whole
    assert Document.objects.filter(memorial=memorial).count() == stored_before
    assert Passage.objects.filter(memorial=memorial).count() == 6 * stored_before
    # when the task is delivered again
    monkeypatch.setattr(passages_store, embedder, real_embed)
    done = upload_ingest(upload_id=stored.id)
    # then everything is there exactly once
    assert done.status == UploadStatus.DONE
    assert done.documents_done == done.documents_total == 3
    assert done.passages_count == 18
    assert sum(outcome["duplicates"] for outcome in outcomes(done)) == 0
    assert Document.objects.filter(memorial=memorial).count() == 3
    positions = list(Passage.objects.filter(memorial=memorial).values_list("document", "position"))
    assert len(positions) == len(set(positions)) == 18


def test_running_a_finished_ingest_again_changes_nothing(memorial):
    stored, _ = upload(memorial, "chat.txt", chat("garden", datetime(2020, 1, 1)))
    upload_ingest(upload_id=stored.id)
    upload_ingest(upload_id=stored.id)
    assert Passage.objects.filter(memorial=memorial).count() == 6
