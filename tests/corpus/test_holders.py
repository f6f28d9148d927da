"""The kill switch erases everything the corpus holds; the export gives it all back."""

from __future__ import annotations

import json

import pytest

from core.files import memorial_file_exists, memorial_files_count
from core.holders import holders
from corpus.models import Deletion, Document, Passage, SubjectIdentity, Upload
from corpus.services.deletions import document_delete, passage_delete
from corpus.services.documents import identity_add
from tests.corpus.conftest import SAMPLE_CHAT, ingest, whatsapp_export

pytestmark = pytest.mark.django_db


class Writer:
    def __init__(self):
        self.files: dict[str, bytes] = {}

    def write_json(self, path, data):
        self.files[path] = json.dumps(data).encode()

    def write_bytes(self, path, chunks):
        self.files[path] = b"".join(chunks)


def corpus_holders():
    return [holder for holder in holders() if holder.name.startswith("corpus.")]


def test_export_has_the_original_files_and_the_readable_passages(memorial):
    content = whatsapp_export(SAMPLE_CHAT)
    upload = ingest(memorial, "chat.txt", content)
    writer = Writer()
    for holder in corpus_holders():
        holder.export(memorial.id, writer)
    assert writer.files[f"corpus/files/{upload.id}/chat.txt"] == content
    passages = json.loads(writer.files["corpus/passages.json"])
    assert len(passages) == len(SAMPLE_CHAT) and "tomatoes" in passages[0]["text"]
    documents = json.loads(writer.files["corpus/documents.json"])
    assert documents[0]["title"] and "lemon drizzle" in documents[0]["text"]


def test_export_has_what_was_deleted_until_it_is_purged(memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    document = Document.objects.get(memorial=memorial)
    document_delete(document=document, actor=None)
    writer = Writer()
    for holder in corpus_holders():
        holder.export(memorial.id, writer)
    (deleted,) = json.loads(writer.files["corpus/deleted.json"])
    assert deleted["kind"] == "document" and deleted["document"] == str(document.id)
    assert len(deleted["passages"]) == len(SAMPLE_CHAT)
    assert "tomatoes" in deleted["passages"][0]
    assert json.loads(writer.files["corpus/passages.json"]) == []


def test_erase_removes_rows_and_files(memorial):
    identity_add(memorial_id=memorial.id, kind="name", value="Ann Smith")
    upload = ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    assert memorial_file_exists(name=upload.path)
    assert upload.path == f"memorials/{memorial.id}/uploads/{upload.id}.enc"
    assert {holder.name for holder in corpus_holders()} == {
        "corpus.passages", "corpus.documents", "corpus.uploads", "corpus.deletions",
    }  # fmt: skip
    passage_delete(passage=Passage.objects.filter(memorial=memorial).first(), actor=None)
    counts = {holder.name: holder.count(memorial.id) for holder in corpus_holders()}
    assert counts == {
        "corpus.passages": 6, "corpus.documents": 1, "corpus.uploads": 1, "corpus.deletions": 1,
    }  # fmt: skip
    for holder in corpus_holders():
        holder.erase(memorial.id)
    assert not memorial_file_exists(name=upload.path)
    assert memorial_files_count(memorial_id=memorial.id, kind="uploads") == 0
    assert not Passage.objects.filter(memorial=memorial).exists()
    assert not Document.objects.filter(memorial=memorial).exists()
    assert not Upload.objects.filter(memorial=memorial).exists()
    assert not SubjectIdentity.objects.filter(memorial=memorial).exists()
    assert not Deletion.objects.filter(memorial=memorial).exists()
