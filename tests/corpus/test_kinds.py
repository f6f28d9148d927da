"""What a document is and where it came from, in plain words, on every page that names it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from corpus.kinds import document_label, document_origin, format_label
from corpus.models import Document
from corpus.selectors import passage_sources, upload_list
from tests.corpus.conftest import SAMPLE_CHAT, ingest, whatsapp_export, zip_of


@pytest.fixture
def subject_client(client, memorial):
    client.force_login(memorial.subject)
    return client


@pytest.mark.parametrize(
    ("kind", "source", "label"),
    [
        ("chat", "whatsapp", "WhatsApp chat"),
        ("email", "mbox", "Email (mailbox export, such as Gmail's)"),
        ("email", "eml", "Email (a saved message)"),
        ("post", "twitter", "Post on X (Twitter)"),
        ("journal", "docx", "Journal entry, from a Word document"),
        ("document", "pdf", "Writing, from a PDF"),
        ("journal", "text", "Journal entry, from a text file"),
        ("chat", "new_app", "New app"),  # a source not in the mapping: its own word
    ],
)
def test_kinds_and_sources_read_as_plain_words(kind, source, label):
    assert document_label(kind=kind, source=source) == label


def test_a_file_inside_a_zip_names_the_zip_and_its_place_in_it():
    assert document_origin(source_path="export.ZIP/chats/WhatsApp Chat with Ann.txt") == (
        "Uploaded from a zip: export.ZIP (chats/WhatsApp Chat with Ann.txt)"
    )
    assert document_origin(source_path="notes.txt") == "Uploaded as notes.txt"
    assert document_origin(source_path="") == ""
    assert format_label("zip") == "Zip file"


@pytest.mark.django_db
def test_the_documents_list_says_what_each_is_and_which_upload_it_came_from(
    subject_client, memorial
):
    ingest(
        memorial,
        "export.zip",
        zip_of({"WhatsApp Chat with George.txt": whatsapp_export(SAMPLE_CHAT)}),
    )
    ingest(memorial, "diary.md", b"# 3 May 2020\n\nA quiet day in the garden.")

    page = subject_client.get(reverse("corpus:documents", args=[memorial.id])).content.decode()

    assert "WhatsApp chat" in page
    assert "Uploaded from a zip: export.zip (WhatsApp Chat with George.txt)" in page
    assert "Journal entry, from a Markdown text file" in page and "Uploaded as diary.md" in page
    assert "chat · whatsapp" not in page and "journal · markdown" not in page


@pytest.mark.django_db
def test_the_upload_status_says_what_its_files_were_read_as(subject_client, memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))

    [row] = upload_list(memorial_id=memorial.id)
    page = subject_client.get(reverse("corpus:index", args=[memorial.id])).content.decode()

    assert row.formats_read == ["WhatsApp chat"]
    assert "Read as: WhatsApp chat" in page


@pytest.mark.django_db
def test_passages_browsed_or_found_name_their_document_and_what_it_is(subject_client, memorial):
    ingest(memorial, "WhatsApp Chat with George.txt", whatsapp_export(SAMPLE_CHAT))
    url = reverse("corpus:passages", args=[memorial.id])

    browsed = subject_client.get(url).content.decode()
    found = subject_client.get(url, {"q": "dolphins"}).content.decode()

    for page in (browsed, found):
        sources = re.findall(r'class="muted corpus-passage-source">(.*?)</p>', page, re.S)
        assert sources and all("WhatsApp chat" in source for source in sources)
        assert all(">George</a>" in source for source in sources)


@pytest.mark.django_db
def test_the_sources_of_a_reply_name_their_document(memorial):
    ingest(memorial, "WhatsApp Chat with George.txt", whatsapp_export(SAMPLE_CHAT))
    document = Document.objects.get(memorial=memorial)
    passage_ids = list(document.passages.values_list("id", flat=True)[:2])

    sources = passage_sources(memorial_id=memorial.id, passage_ids=passage_ids)

    assert [source.as_event()["document"] for source in sources] == ["George", "George"]
    assert {source.as_event()["document_label"] for source in sources} == {"WhatsApp chat"}
