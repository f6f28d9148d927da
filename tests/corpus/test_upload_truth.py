"""Uploads that tell the truth: progress through one large document, failed files without a
bar, each error once and in our words, counts pluralised and formatted, chat titles."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from corpus.models import Document, Passage, Upload, UploadStatus
from corpus.parsers import parse_upload_collected
from corpus.parsers.textfile import BROKEN_JSON
from corpus.services import ingest as ingest_module
from corpus.services import passages_store
from tests.corpus.conftest import SAMPLE_CHAT, ingest, whatsapp_export, zip_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject_client(client, memorial):
    client.force_login(memorial.subject)
    return client


def test_progress_moves_through_one_large_document(memorial, monkeypatch):
    # given a single chat whose passages are embedded in several batches
    monkeypatch.setattr(passages_store, "PASSAGE_BATCH", 2)
    monkeypatch.setattr(ingest_module, "_EVENT_INTERVAL_S", 0)
    sent: list[dict] = []
    monkeypatch.setattr(
        ingest_module, "event_send_progress", lambda *, memorial_id, kind, data: sent.append(data)
    )
    # when it is ingested
    upload = ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    # then live events said how many of its passages were embedded, of how many, as it went
    total = Passage.objects.filter(memorial=memorial).count()
    embedding = [
        (event["passages_embedded"], event["passages_to_embed"])
        for event in sent
        if "passages_embedded" in event
    ]
    assert embedding == [(0, total), (2, total), (4, total), (6, total), (total, total)]
    assert [event["passages"] for event in sent if "passages_embedded" in event] == [
        0, 2, 4, 6, total,
    ]  # fmt: skip
    assert upload.status == UploadStatus.DONE


def test_many_small_documents_do_not_send_a_progress_event_each(memorial, monkeypatch):
    # given progress events at most once an hour, and a zip of five short letters
    monkeypatch.setattr(ingest_module, "_EVENT_INTERVAL_S", 3600)
    sent: list[dict] = []
    monkeypatch.setattr(
        ingest_module, "event_send_progress", lambda *, memorial_id, kind, data: sent.append(data)
    )
    letters = {f"letter-{n}.txt": f"Dear Tom, the garden is full of roses {n}." for n in range(5)}
    # when it is ingested
    upload = ingest(memorial, "letters.zip", zip_of(letters))
    # then only the first document's start was sent as progress (statuses still go on commit)
    assert upload.status == UploadStatus.DONE and upload.documents_done == 5
    assert [(e["passages_embedded"], e["done"]) for e in sent] == [(0, 0)]


def test_a_failed_file_shows_no_bar_and_its_error_once(subject_client, memorial):
    broken = ingest(memorial, "letters.zip", zip_of({"a.txt": "hello " * 500})[:60])
    assert broken.status == UploadStatus.FAILED
    page = subject_client.get(reverse("corpus:index", args=[memorial.id])).content.decode()
    row = re.search(rf'data-upload-id="{broken.id}".*?</li>', page, flags=re.S).group(0)
    assert re.search(r"<progress[^>]*\bhidden\b", row)
    assert row.count("damaged or incomplete") == 1


def test_a_zip_damaged_from_its_first_byte_is_called_damaged(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(b"\x00\x00garbage where a zip began" + zip_of({"a.txt": "hello"})[30:])
    (outcome,) = parse_upload_collected(path, "Takeout.zip")
    assert outcome.error == "This zip file is damaged or incomplete."
    path.write_bytes(zip_of({"a.txt": "hello " * 500})[:100])
    (outcome,) = parse_upload_collected(path, "Takeout.zip")
    assert outcome.error == "This zip file is damaged or incomplete."


def test_a_broken_json_file_is_explained_in_our_words(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes(b'{"participants": [{"name": "Zoe"}], "messages": [{"sender_name": ')
    (outcome,) = parse_upload_collected(path, "message_1.json")
    assert outcome.error == BROKEN_JSON
    assert "Expecting" not in outcome.error and "line 1" not in outcome.error


def _thread(title: str | None = None) -> bytes:
    data: dict = {
        "participants": [{"name": "Zoe Park"}, {"name": "Ann Smith"}],
        "messages": [
            {"sender_name": "Zoe Park", "timestamp_ms": 1620000000000, "content": "Hi Ann!"},
            {"sender_name": "Ann Smith", "timestamp_ms": 1620000060000, "content": "Hello Zoe"},
        ],
    }
    if title:
        data["title"] = title
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("member", "title", "expected"),
    [
        ("message_1.json", None, "Chat with Zoe Park, Ann Smith"),
        ("your_instagram_activity/messages/inbox/zoepark_1234567890/message_1.json", None,
         "zoepark"),
        ("message_1.json", "Zoe Park", "Zoe Park"),
    ],
)  # fmt: skip
def test_a_chat_inside_a_zip_is_titled_by_its_own_name(tmp_path, member, title, expected):
    path = tmp_path / "upload"
    path.write_bytes(zip_of({member: _thread(title)}))
    (outcome,) = parse_upload_collected(path, "instagram-ann-2024.zip")
    assert outcome.documents[0].title == expected


def test_counts_are_pluralised_and_formatted(subject_client, memorial):
    # given one upload of one passage, and one of many
    one = ingest(memorial, "note.md", b"# 3 May 2020\n\nA quiet day in the garden.")
    assert one.passages_count == 1 and one.documents_done == 1
    many = ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    Upload.objects.filter(id=many.id).update(passages_count=28876, documents_done=1200)
    page = subject_client.get(reverse("corpus:index", args=[memorial.id])).content.decode()
    text = re.sub(r"\s+", " ", page)
    assert "1 document · 1 passage" in text
    assert "1,200 documents · 28,876 passages" in text
    assert "1 passages" not in text and "(s)" not in text
    # and the non-JavaScript upload says how many files in words
    response = subject_client.post(
        reverse("corpus:upload", args=[memorial.id]),
        {"files": SimpleUploadedFile("more.md", b"# 4 May 2020\n\nRain all day.")},
        follow=True,
    )
    assert "1 file received" in response.content.decode()


def test_a_document_deleted_says_its_passages_in_words(subject_client, memorial):
    ingest(memorial, "note.md", b"# 3 May 2020\n\nA quiet day in the garden.")
    document = Document.objects.get(memorial=memorial)
    response = subject_client.post(
        reverse("corpus:document_delete", args=[memorial.id, document.id]), follow=True
    )
    assert "The document and its 1 passage are deleted." in response.content.decode()
