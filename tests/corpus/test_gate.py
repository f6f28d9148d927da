"""Each corpus entry point refuses without the `corpus` consent, and after its revocation."""

from __future__ import annotations

import pytest
from django.utils import timezone

from consent.gate import ConsentRequired
from consent.models import ConsentRecord
from corpus.models import Passage, UploadStatus
from corpus.services.ingest import upload_ingest
from tests.consent.factories import grant_consent
from tests.corpus.conftest import SAMPLE_CHAT, upload, whatsapp_export
from tests.corpus.gate_entry_points import CORPUS_ENTRY_POINTS
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "scope", "invoke"), CORPUS_ENTRY_POINTS, ids=[name for name, *_ in CORPUS_ENTRY_POINTS]
)
def test_refused_without_consent(name, scope, invoke):
    memorial = MemorialFactory()
    with pytest.raises(ConsentRequired):
        invoke(memorial)


@pytest.mark.parametrize(
    ("name", "scope", "invoke"), CORPUS_ENTRY_POINTS, ids=[name for name, *_ in CORPUS_ENTRY_POINTS]
)
def test_refused_after_revocation(name, scope, invoke):
    memorial = MemorialFactory()
    grant_consent(memorial, scope)
    ConsentRecord.objects.filter(memorial=memorial, scope=scope).update(revoked_at=timezone.now())
    with pytest.raises(ConsentRequired):
        invoke(memorial)


def test_a_revocation_during_an_ingest_stops_it_at_its_next_step(memorial, monkeypatch):
    from corpus.services import passages_store

    stored, _ = upload(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    real = passages_store._passages_insert

    def insert_then_revoke(**kwargs):
        real(**kwargs)  # the first batch is written, then consent is withdrawn
        ConsentRecord.objects.filter(memorial=memorial).update(revoked_at=timezone.now())

    monkeypatch.setattr(passages_store, "_passages_insert", insert_then_revoke)
    monkeypatch.setattr(passages_store, "PASSAGE_BATCH", 2)
    done = upload_ingest(upload_id=stored.id)
    assert done.status == UploadStatus.STOPPED
    assert "withdrawn" in done.error
    assert Passage.objects.filter(memorial=memorial).count() == 0  # the document rolled back
