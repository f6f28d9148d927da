"""The corpus pages through the Django test client."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consent.models import ConsentRecord
from core.audit import audit_events_for
from corpus.models import Document, Passage, Upload
from corpus.selectors import upload_list
from corpus.services.ingest import upload_ingest
from memorials.models import Role
from tests.corpus.conftest import SAMPLE_CHAT, ingest, upload, whatsapp_export, zip_of
from tests.memorials.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject_client(client, memorial):
    client.force_login(memorial.subject)
    return client


def test_the_upload_page_is_the_subjects_alone(client, memorial):
    url = reverse("corpus:index", args=[memorial.id])
    family = MembershipFactory(memorial=memorial, role=Role.FAMILY)
    client.force_login(family.user)
    assert client.get(url).status_code == 404
    client.force_login(memorial.subject)
    page = client.get(url)
    assert page.status_code == 200
    assert b"runs locally" in page.content and b"Drop files here" in page.content


def test_several_files_uploaded_at_once_are_stored_and_queued(subject_client, memorial):
    response = subject_client.post(
        reverse("corpus:upload", args=[memorial.id]),
        {"files": [
            SimpleUploadedFile("chat.txt", whatsapp_export(SAMPLE_CHAT)),
            SimpleUploadedFile("diary.md", b"# 3 May 2020\n\nA quiet day in the garden."),
        ]},
    )  # fmt: skip
    assert response.status_code == 302
    assert {row.name for row in upload_list(memorial_id=memorial.id)} == {"chat.txt", "diary.md"}


def test_the_browser_upload_answers_json_per_file(subject_client, memorial, settings):
    url = reverse("corpus:upload", args=[memorial.id])
    content = whatsapp_export(SAMPLE_CHAT)
    first = subject_client.post(
        url, {"files": SimpleUploadedFile("chat.txt", content)}, HTTP_X_REQUESTED_WITH="fetch"
    ).json()
    again = subject_client.post(
        url, {"files": SimpleUploadedFile("copy.txt", content)}, HTTP_X_REQUESTED_WITH="fetch"
    ).json()
    assert first["uploads"][0]["status"] == "queued" and not first["uploads"][0]["duplicate"]
    assert (
        again["uploads"][0]["duplicate"]
        and again["uploads"][0]["upload_id"] == first["uploads"][0]["upload_id"]
    )
    # and a file over the limit is refused with its name
    settings.CORPUS_MAX_FILE_MB = 1
    big = subject_client.post(
        url, {"files": SimpleUploadedFile("huge.mbox", b"x" * (1024 * 1024 + 10))},
        HTTP_X_REQUESTED_WITH="fetch",
    )  # fmt: skip
    assert big.status_code == 400
    assert big.json()["errors"] == [
        {"name": "huge.mbox", "error": "This file is larger than 1 MB."}
    ]
    assert Upload.objects.filter(memorial=memorial).count() == 1


def test_upload_without_consent_is_refused_calmly(client):
    from tests.memorials.factories import MemorialFactory

    memorial = MemorialFactory()
    client.force_login(memorial.subject)
    response = client.post(
        reverse("corpus:upload", args=[memorial.id]),
        {"files": SimpleUploadedFile("chat.txt", b"hello")},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 403 and "consent" in response.json()["errors"][0]["error"]
    assert not Upload.objects.exists()


def test_deleting_a_document_asks_first_then_removes_its_passages(subject_client, memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    document = Document.objects.get(memorial=memorial)
    url = reverse("corpus:document_delete", args=[memorial.id, document.id])
    confirm = subject_client.get(url)
    assert confirm.status_code == 200 and b"Delete this document?" in confirm.content
    assert Passage.objects.filter(document=document).exists()  # nothing yet
    subject_client.post(url)
    assert not Document.objects.filter(id=document.id).exists()
    assert not Passage.objects.filter(memorial=memorial).exists()  # vectors with them
    assert audit_events_for(memorial_id=memorial.id)[0].action == "corpus.document_delete"


def test_after_withdrawing_consent_the_subject_can_still_delete_their_words(
    subject_client, memorial
):
    # given an ingested chat, then the corpus consent withdrawn
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    upload = Upload.objects.get(memorial=memorial)
    ConsentRecord.objects.filter(memorial=memorial).update(revoked_at=timezone.now())
    # when they delete the upload
    subject_client.post(reverse("corpus:upload_delete", args=[memorial.id, upload.id]))
    # then it goes, with everything read from it
    assert not Upload.objects.filter(memorial=memorial).exists()
    assert not Passage.objects.filter(memorial=memorial).exists()


def test_deleting_a_passage(subject_client, memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    passage = Passage.objects.filter(memorial=memorial).first()
    subject_client.post(reverse("corpus:passage_delete", args=[memorial.id, passage.id]))
    assert not Passage.objects.filter(id=passage.id).exists()
    assert Passage.objects.filter(memorial=memorial).count() == len(SAMPLE_CHAT) - 1


def test_browse_page_query_count_is_fixed(subject_client, memorial, django_assert_num_queries):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    ingest(
        memorial, "other.txt", whatsapp_export([(m, a, t + " again") for m, a, t in SAMPLE_CHAT])
    )
    url = reverse("corpus:passages", args=[memorial.id])
    # session, user, membership, count, page, memorial key (for the passages), and again
    # (for the memorial's name, decrypted once by its model), and whether it is the fictional
    # demo (its banner), what was deleted and may be put back (nothing), and whether the
    # writing consent is live (the page says so when it is not), and the brand of a firm the
    # subject joined through (firms.context_processors)
    with django_assert_num_queries(11):
        page = subject_client.get(url)
    assert page.content.count(b"corpus-passage-text") == 2 * len(SAMPLE_CHAT)
    assert b"tomatoes" in page.content


def test_search_page_shows_the_best_passages_for_the_query_only(subject_client, memorial):
    # given more passages than the page shows (20), most of them about something else
    chores = []
    for day in range(30):
        author = ("George", "Ann Smith")[day % 2]  # one passage each: they take turns
        text = f"Invoice number {day} for the plumber is on the kitchen table."
        chores.append((datetime(2021, 7, 1 + day, 8, 0), author, text))
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT + chores))
    assert Passage.objects.filter(memorial=memorial).count() == 37
    # when the subject searches
    page = subject_client.get(reverse("corpus:passages", args=[memorial.id]), {"q": "dolphins"})
    # then the page holds the search's best, best first, and not the rest: the invoices
    # match neither its words nor its meaning
    texts = re.findall(r'<p class="corpus-passage-text">(.*?)</p>', page.content.decode(), re.S)
    assert all("Invoice" not in text for text in texts)
    assert set(texts[:3]) == {  # the question, its answer, and what led to it
        "The sailing trip to Cornwall was wonderful.",
        "Did you see any dolphins near Falmouth?",
        "Three of them, jumping beside the boat!",
    }


def test_documents_page_and_register_correction(subject_client, memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    document = Document.objects.get(memorial=memorial)
    assert subject_client.get(reverse("corpus:documents", args=[memorial.id])).status_code == 200
    subject_client.post(
        reverse("corpus:document_register", args=[memorial.id, document.id]),
        {"register": "family"},
    )
    document.refresh_from_db()
    assert document.register == "family" and document.register_corrected
    assert set(Passage.objects.filter(document=document).values_list("register", flat=True)) == {
        "family"
    }


def test_after_deleting_a_passage_the_subject_returns_to_their_page_and_only_ours(
    subject_client, memorial
):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    first, second = Passage.objects.filter(memorial=memorial)[:2]
    ours = reverse("corpus:passages", args=[memorial.id]) + "?page=1&register=friends"

    back = subject_client.post(
        reverse("corpus:passage_delete", args=[memorial.id, first.id]), {"next": ours}
    )
    away = subject_client.post(
        reverse("corpus:passage_delete", args=[memorial.id, second.id]),
        {"next": "https://elsewhere.example/phish"},
    )

    assert back.url == ours
    assert away.url == reverse("corpus:passages", args=[memorial.id])


def test_the_pager_keeps_the_register_filter(subject_client, memorial, monkeypatch):
    from corpus import selectors

    monkeypatch.setattr(selectors, "PASSAGES_PER_PAGE", 2)
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    Passage.objects.filter(memorial=memorial).update(register="family")

    page = subject_client.get(
        reverse("corpus:passages", args=[memorial.id]), {"register": "family"}
    )

    assert b"?register=family&amp;page=2" in page.content


# --- what every corpus page shares (corpus.views.subject_page and subject_action) ----------

ACTIONS = [  # (URL name, whether it names an object)
    ("upload", False),
    ("upload_delete", True),
    ("upload_retry", True),
    ("identity_add", False),
    ("identity_delete", True),
    ("correspondent_add", False),
    ("correspondent_delete", True),
    ("document_register", True),
    ("passage_delete", True),
]
MISSING = {name: uuid.uuid4() for name in ("upload_delete", "upload_retry", "document_register")}


def action_url(name, memorial, object_id=None):
    args = [memorial.id] if object_id is None else [memorial.id, object_id]
    return reverse(f"corpus:{name}", args=args)


@pytest.mark.parametrize("name, names_object", ACTIONS)
def test_each_action_is_the_subjects_alone_posted_and_404_for_a_missing_object(
    client, memorial, name, names_object
):
    object_id = MISSING.get(name, 987654) if names_object else None
    url = action_url(name, memorial, object_id)
    # signed out: to sign in
    assert client.post(url)["Location"].startswith(reverse("account_login"))
    # family: 404, as if the memorial were not there
    client.force_login(MembershipFactory(memorial=memorial, role=Role.FAMILY).user)
    assert client.post(url).status_code == 404
    # the subject: only POST, and only for something of this memorial
    client.force_login(memorial.subject)
    assert client.get(url).status_code == 405
    if names_object:
        assert client.post(url).status_code == 404


def test_an_action_refused_for_want_of_consent_says_why_and_goes_back(subject_client, memorial):
    ConsentRecord.objects.filter(memorial=memorial).update(revoked_at=timezone.now())
    response = subject_client.post(
        reverse("corpus:identity_add", args=[memorial.id]),
        {"kind": "name", "value": "Annie"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("corpus:index", args=[memorial.id])
    page = response.content.decode()
    assert 'class="message error"' in page and "you have not given or have withdrawn" in page
    assert not memorial.identities.exists()


def test_names_with_a_right_to_left_override_are_shown_safely(subject_client, memorial):
    # given a file whose name hides its end ("invoice\u202efdp.exe" shows as "invoiceexe.pdf"),
    # and a zip holding one
    archive = zip_of({"notes/evil\u202etxt.exe": b"Not read.", "diary.md": b"# 3 May 2020\nSun."})
    for name, content in (("invoice\u202efdp.exe", b"Dear diary."), ("all.zip", archive)):
        stored, _ = upload(memorial, name, content)
        upload_ingest(upload_id=stored.id)

    page = subject_client.get(reverse("corpus:index", args=[memorial.id])).content.decode()

    assert "\u202e" not in page
    assert '<span class="corpus-upload-name">invoice[U+202E]fdp.exe</span>' in page
    assert "all.zip/notes/evil[U+202E]txt.exe: " in page  # its outcome, with its error
