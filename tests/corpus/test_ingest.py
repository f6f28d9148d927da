"""Uploads through the real ingest: parse, split, embed, encrypt, store."""

from __future__ import annotations

import pytest
from django.db import connection

from core.crypto import memorial_cipher
from core.files import memorial_file_storage
from corpus.models import Document, Passage, Register, SubjectIdentity, UploadStatus
from corpus.search_keys import memorial_search_keys, text_tokens
from tests.corpus.conftest import SAMPLE_CHAT, ingest, upload, whatsapp_export, zip_of

pytestmark = pytest.mark.django_db


def test_a_chat_is_stored_encrypted_embedded_and_indexed(memorial):
    SubjectIdentity.objects.create(memorial=memorial, kind="name", value="Ann Smith")
    # when the subject uploads a WhatsApp export
    done = ingest(memorial, "WhatsApp Chat with George.txt", whatsapp_export(SAMPLE_CHAT))
    # then it is read into one document of passages, one per turn
    assert done.status == UploadStatus.DONE, done.error
    document = Document.objects.get(memorial=memorial)
    assert document.kind == "chat" and document.source == "whatsapp"
    assert document.audience == ["George"]
    passages = list(Passage.objects.filter(document=document).order_by("position"))
    assert len(passages) == len(SAMPLE_CHAT) == done.passages_count
    assert [p.is_subject for p in passages] == [True, False, True, False, True, False, True]
    assert passages[1].speaker == "George" and passages[1].sent_at.year == 2021
    # and nothing of the content is readable at rest: not the file, the text, the title
    with memorial_file_storage().open(done.path, "rb") as stored:
        raw = stored.read()
    assert b"tomatoes" not in raw
    assert b"tomatoes" not in bytes(passages[0].text_encrypted)
    assert b"tomatoes" not in bytes(document.text_encrypted)
    assert b"George" not in bytes(document.title_encrypted)
    # while vectors and lexemes (speaker and date included) are searchable, as the memorial's
    # tokens of them (corpus.search_keys)
    assert len(passages[0].embedding) == 384
    keys = memorial_search_keys(cipher=memorial_cipher(memorial_id=memorial.id))
    with connection.cursor() as cursor:
        [tokens] = text_tokens(cursor=cursor, keys=keys, texts=["dolphins Falmouth George"])
        cursor.execute(
            "SELECT count(*) FROM corpus_passage WHERE document_id = %s AND search @@ %s::tsquery",
            [document.id, " & ".join(tokens)],
        )
        assert cursor.fetchone()[0] >= 1  # the turn, and the neighbours it is context for


def test_a_broken_member_is_reported_on_its_own_and_the_rest_is_read(memorial):
    archive = zip_of({
        "chats/george.txt": whatsapp_export(SAMPLE_CHAT),
        "notes/empty.txt": b"",
        "old/letters.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
    })  # fmt: skip
    done = ingest(memorial, "everything.zip", archive)
    assert done.status == UploadStatus.DONE
    by_name = {outcome["name"]: outcome for outcome in done.outcomes}
    assert by_name["everything.zip/chats/george.txt"]["documents"] == 1
    assert by_name["everything.zip/chats/george.txt"]["error"] == ""
    assert by_name["everything.zip/notes/empty.txt"]["error"] == "This file is empty."
    assert ".docx" in by_name["everything.zip/old/letters.doc"]["error"]
    assert Passage.objects.filter(memorial=memorial).count() == len(SAMPLE_CHAT)


def test_an_unreadable_file_fails_with_a_clear_message_and_others_in_the_batch_go_on(memorial):
    bad = ingest(memorial, "photo.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    good = ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    assert bad.status == UploadStatus.FAILED and len(bad.error) > 10
    assert good.status == UploadStatus.DONE
    assert Passage.objects.filter(memorial=memorial).count() == len(SAMPLE_CHAT)


def test_the_same_file_uploaded_twice_is_stored_once(memorial):
    first, created = upload(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    again, created_again = upload(memorial, "chat (1).txt", whatsapp_export(SAMPLE_CHAT))
    assert created and not created_again and again.id == first.id


def test_the_same_content_in_another_file_is_not_stored_twice(memorial):
    content = whatsapp_export(SAMPLE_CHAT)
    ingest(memorial, "chat.txt", content)
    # the same chat again, inside a zip (a different file, so a new upload)
    second = ingest(memorial, "backup.zip", zip_of({"chat.txt": content}))
    assert second.status == UploadStatus.DONE
    assert second.outcomes[0]["duplicates"] == 1
    assert Document.objects.filter(memorial=memorial).count() == 1
    assert Passage.objects.filter(memorial=memorial).count() == len(SAMPLE_CHAT)


def test_registers_are_inferred_with_a_reason(memorial):
    family_chat = [(m, a, t.replace("Good morning!", "Morning mum!")) for m, a, t in SAMPLE_CHAT]
    ingest(memorial, "family.txt", whatsapp_export(family_chat))
    document = Document.objects.get(memorial=memorial)
    assert document.register == Register.FAMILY
    assert "mum" in document.register_reason
    assert set(Passage.objects.filter(document=document).values_list("register", flat=True)) == {
        Register.FAMILY
    }
