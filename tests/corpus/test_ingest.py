"""Uploads through the real ingest: parse, split, embed, encrypt, store."""

from __future__ import annotations

import pytest
from django.db import connection

import corpus.parsers
from core.crypto import memorial_cipher
from core.files import memorial_file_storage
from corpus.models import Document, Passage, Register, UploadStatus
from corpus.parsers import ParsedDocument, ParsedMessage, ParseError
from corpus.search_keys import memorial_search_keys, text_tokens
from corpus.services import ingest as ingest_service
from corpus.services.documents import identity_add
from tests.corpus.conftest import (
    SAMPLE_CHAT,
    clear,
    ingest,
    outcomes,
    upload,
    whatsapp_export,
    zip_of,
)

pytestmark = pytest.mark.django_db


def test_a_chat_is_stored_encrypted_embedded_and_indexed(memorial):
    identity_add(memorial_id=memorial.id, kind="name", value="Ann Smith")
    # when the subject uploads a WhatsApp export
    done = ingest(memorial, "WhatsApp Chat with George.txt", whatsapp_export(SAMPLE_CHAT))
    # then it is read into one document of passages, one per turn
    assert done.status == UploadStatus.DONE, done.error
    document = Document.objects.get(memorial=memorial)
    assert document.kind == "chat" and document.source == "whatsapp"
    assert clear(memorial.id, document.audience_encrypted) == '["George"]'
    passages = list(Passage.objects.filter(document=document).order_by("position"))
    assert len(passages) == len(SAMPLE_CHAT) == done.passages_count
    assert [p.is_subject for p in passages] == [True, False, True, False, True, False, True]
    assert clear(memorial.id, passages[1].speaker_encrypted) == "George"
    assert passages[1].sent_at.year == 2021
    # and nothing of the content is readable at rest: not the file, the text, the title
    with memorial_file_storage().open(done.path, "rb") as stored:
        raw = stored.read()
    assert b"tomatoes" not in raw
    assert b"tomatoes" not in bytes(passages[0].text_encrypted)
    assert b"tomatoes" not in bytes(document.text_encrypted)
    assert b"George" not in bytes(document.title_encrypted)
    assert b"George" not in bytes(passages[1].speaker_encrypted)
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
    by_name = {outcome["name"]: outcome for outcome in outcomes(done)}
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
    assert outcomes(second)[0]["duplicates"] == 1
    assert Document.objects.filter(memorial=memorial).count() == 1
    assert Passage.objects.filter(memorial=memorial).count() == len(SAMPLE_CHAT)


def test_registers_are_inferred_with_a_reason(memorial):
    family_chat = [(m, a, t.replace("Good morning!", "Morning mum!")) for m, a, t in SAMPLE_CHAT]
    ingest(memorial, "family.txt", whatsapp_export(family_chat))
    document = Document.objects.get(memorial=memorial)
    assert document.register == Register.FAMILY
    assert "mum" in clear(memorial.id, document.register_reason_encrypted)
    assert set(Passage.objects.filter(document=document).values_list("register", flat=True)) == {
        Register.FAMILY
    }


@pytest.mark.parametrize(
    ("together", "stored"),
    [
        (1, [0, 1, 2]),  # each document stored before the next is parsed
        (2, [0, 0, 2]),  # two passages wait at most: the first two stored together
    ],
)
def test_documents_are_stored_as_they_are_parsed_a_few_passages_at_most_waiting(
    memorial, monkeypatch, together, stored
):
    monkeypatch.setattr(ingest_service, "EMBEDDED_TOGETHER", together)
    stored_when_parsing: list[int] = []

    def journal(path, name):  # a parser that looks at the store before each document
        for day in (4, 5, 6):
            stored_when_parsing.append(Document.objects.filter(memorial=memorial).count())
            yield ParsedDocument(
                kind="journal",
                source="text",
                title=f"March {day}",
                messages=[ParsedMessage(author="Ann", text=f"Day {day} in the garden.")],
            )

    monkeypatch.setitem(corpus.parsers.PARSERS, "text", journal)

    done = ingest(memorial, "diary.txt", b"Anything, the parser above reads it.\n")

    assert done.status == UploadStatus.DONE
    assert stored_when_parsing == stored
    assert done.documents_done == done.documents_total == 3
    assert Passage.objects.filter(memorial=memorial).count() == 3


def test_a_file_failing_half_way_keeps_what_it_gave_and_says_what_went_wrong(memorial, monkeypatch):
    def breaks_after_one(path, name):
        yield ParsedDocument(
            kind="journal",
            source="text",
            title="March 4",
            messages=[ParsedMessage(author="Ann", text="Planted the beans.")],
        )
        raise ParseError("The rest of this file is damaged.")

    monkeypatch.setitem(corpus.parsers.PARSERS, "text", breaks_after_one)

    done = ingest(memorial, "diary.txt", b"Anything.\n")

    assert done.status == UploadStatus.DONE  # it was read, in part
    [outcome] = outcomes(done)
    assert (outcome["documents"], outcome["error"]) == (1, "The rest of this file is damaged.")
    assert Document.objects.filter(memorial=memorial).count() == 1


def test_progress_events_count_the_files_of_a_zip(memorial, monkeypatch):
    monkeypatch.setattr(ingest_service, "_EVENT_INTERVAL_S", 0)
    sent: list[dict] = []
    real = ingest_service.event_send_progress

    def recording(*, memorial_id, kind, data):
        sent.append(data)
        real(memorial_id=memorial_id, kind=kind, data=data)  # checks the declared payload

    monkeypatch.setattr(ingest_service, "event_send_progress", recording)
    chats = {
        f"chat-{n}.txt": [(at, "Ann Smith", f"Chat {n}, {text}") for at, _, text in SAMPLE_CHAT]
        for n in range(3)
    }
    archive = zip_of({name: whatsapp_export(lines) for name, lines in chats.items()})

    done = ingest(memorial, "chats.zip", archive)

    assert done.status == UploadStatus.DONE
    assert {event["files_total"] for event in sent} == {3}
    done_counts = [event["files_done"] for event in sent]
    assert done_counts == sorted(done_counts) and done_counts[-1] == 3
    assert all(event["total"] == 0 for event in sent)  # known only once finished
    assert done.documents_total == 3
