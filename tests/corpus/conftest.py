"""Helpers for the corpus tests: a subject with consent, and uploads run through the services."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from core.crypto import memorial_cipher
from corpus.models import Upload
from corpus.parsers import parse_upload_collected
from corpus.passages import PassageDraft, split_document
from corpus.services.ingest import upload_ingest
from corpus.services.uploads import upload_create
from memorials.models import Memorial
from tests.consent.factories import grant_consent
from tests.memorials.factories import MemorialFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))  # for a worker process too


@pytest.fixture
def memorial(db):
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, "corpus")
    return memorial


def whatsapp_export(lines: list[tuple[datetime, str, str]]) -> bytes:
    """A WhatsApp 'Export chat' text file (the dd/mm/yyyy, 24 h variant)."""
    return "\n".join(
        f"{moment:%d/%m/%Y, %H:%M} - {author}: {text}" for moment, author, text in lines
    ).encode()


SAMPLE_CHAT = [
    (datetime(2021, 5, 1, 9, 0), "Ann Smith", "Good morning! Did you water the tomatoes?"),
    (datetime(2021, 5, 1, 9, 2), "George", "Yes, and the roses by the shed too."),
    (datetime(2021, 5, 1, 9, 5), "Ann Smith", "Lovely. I am baking lemon drizzle cake later."),
    (datetime(2021, 5, 1, 9, 7), "George", "Save me a slice, please."),
    (datetime(2021, 6, 12, 18, 0), "Ann Smith", "The sailing trip to Cornwall was wonderful."),
    (datetime(2021, 6, 12, 18, 3), "George", "Did you see any dolphins near Falmouth?"),
    (datetime(2021, 6, 12, 18, 4), "Ann Smith", "Three of them, jumping beside the boat!"),
]

# A passage with a secret in it, to look for in the search structures.
SECRET_CHAT = [
    *SAMPLE_CHAT,
    (datetime(2021, 7, 1, 10, 0), "Ann Smith", "my vault code is BOBSECRETOMEGA 4411"),
]


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(memorial, name: str, content: bytes) -> tuple[Upload, bool]:
    return upload_create(memorial_id=memorial.id, file=SimpleUploadedFile(name, content))


def ingest(memorial, name: str, content: bytes) -> Upload:
    stored, _ = upload(memorial, name, content)
    result = upload_ingest(upload_id=stored.id)
    assert result is not None
    return result


def clear(memorial_id, token: bytes) -> str:
    """A value stored encrypted (a name, a reason), read back with the memorial's key."""
    return memorial_cipher(memorial_id=memorial_id).decrypt_text(token)


def outcomes(upload: Upload) -> list[dict[str, Any]]:
    """What the ingest said of each file or zip member of `upload`."""
    return json.loads(clear(upload.memorial_id, upload.outcomes_encrypted))


def drafts_of(content: bytes, tmp_path: Path) -> list[PassageDraft]:
    path = tmp_path / "chat.txt"
    path.write_bytes(content)
    [outcome] = parse_upload_collected(path, "chat.txt")
    [parsed] = outcome.documents
    return split_document(parsed)


def stored_search(memorial: Memorial) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search::text FROM corpus_passage WHERE memorial_id = %s ORDER BY position",
            [memorial.id],
        )
        return [row[0] for row in cursor.fetchall()]
