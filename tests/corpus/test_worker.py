"""One upload ingested by a real worker process, its statuses reaching an open socket."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from corpus.models import Passage
from corpus.services.uploads import upload_create
from tests.consent.factories import grant_consent
from tests.corpus.conftest import SAMPLE_CHAT, whatsapp_export
from tests.memorials.factories import MemorialFactory
from tests.memorials.test_consumers import session_cookie_for, socket


@database_sync_to_async
def subject_memorial():
    memorial = MemorialFactory()
    grant_consent(memorial, "corpus")
    return memorial


@database_sync_to_async
def upload_now(memorial):
    with transaction.atomic():  # the task is queued when this commits
        upload, _ = upload_create(
            memorial_id=memorial.id,
            file=SimpleUploadedFile("chat.txt", whatsapp_export(SAMPLE_CHAT)),
        )
    return upload


@pytest.mark.worker
async def test_an_upload_is_ingested_by_the_worker_with_live_status(celery_worker_process):
    memorial = await subject_memorial()
    communicator = socket(memorial.id, await session_cookie_for(memorial.subject))
    assert (await communicator.connect())[0]
    upload = await upload_now(memorial)
    statuses = []
    embedding = []
    while not statuses or statuses[-1] not in ("done", "failed", "stopped"):
        message = await communicator.receive_json_from(timeout=60)
        assert message["kind"] == "upload" and message["data"]["upload_id"] == str(upload.id)
        statuses.append(message["data"]["status"])
        if "passages_to_embed" in message["data"]:
            embedding.append(
                (message["data"]["passages_embedded"], message["data"]["passages_to_embed"])
            )
    assert statuses[0] == "queued" and statuses[-1] == "done"
    assert "parsing" in statuses and "embedding" in statuses
    assert message["data"]["done"] == message["data"]["total"] == 1
    # while the chat was indexed, live: how many of its passages were embedded, of how many
    assert embedding and embedding[0] == (0, len(SAMPLE_CHAT))
    count = await database_sync_to_async(Passage.objects.filter(memorial=memorial).count)()
    assert count == len(SAMPLE_CHAT)
    # the last event carries the memorial's totals, for the page's header
    assert message["data"]["memorial_counts"] == {"documents": 1, "passages": count}
    # and what its file was read as, as a reload shows it ("Read as: WhatsApp chat")
    assert message["data"]["formats_read"] == ["WhatsApp chat"]
    assert message["data"]["file_errors"] == []
    await communicator.disconnect()
