"""The audit log a person can read: each action on data recorded through its service and
shown in words, filters by kind, person and days, pages, and a fixed number of queries."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consent.services import consent_revoke
from conversations.services.visits import conversation_closed_record, conversation_opened_record
from core.audit import audit_record
from core.audit_labels import ACTIONS, audit_action_label
from core.consent import ConsentScope
from corpus.models import Document
from corpus.services.deletions import deletion_restore, document_delete
from corpus.services.documents import (
    correspondent_add,
    correspondent_remove,
    document_register_set,
    identity_add,
    identity_remove,
)
from corpus.services.uploads import upload_create
from memorials.models import AgeGroup, MemorialState, Role
from memorials.services import (
    invitation_accept,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    memorial_create,
    memorial_transition,
)
from tests.accounts.factories import UserFactory
from tests.consent.factories import grant_consent
from tests.memorials.factories import InvitationFactory, MembershipFactory, MemorialFactory
from twins.services.versions import twin_build_start

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
APPS = ["accounts", "consent", "conversations", "core", "corpus", "demo", "memorials", "twins",
        "voice"]  # fmt: skip


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def audit_page(client, memorial, **params):
    return client.get(reverse("consent:audit", args=[memorial.id]), params).content.decode()


def rows(page: str) -> list[str]:
    return re.findall(r'<tr data-action="([^"]+)"', page)


def test_every_action_the_code_records_has_words_for_people():
    # given every action name the apps give audit_record, literally or as a constant
    recorded = set()
    for path in (path for app in APPS for path in (ROOT / app).rglob("*.py")):
        text = path.read_text()
        recorded |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', text))
        for constant in re.findall(r"action=([A-Z_]+)\b", text):
            recorded |= set(re.findall(rf'^{constant} = "([a-z_.]+)"', text, re.MULTILINE))
    # then each is labelled, and none reads like code
    assert "corpus.deletion_undo" in recorded
    assert recorded - set(ACTIONS) == set()
    for action in ACTIONS:
        words = audit_action_label(action)
        assert "." not in words and "_" not in words and words[0].isupper(), action


def test_each_action_on_data_appears_on_the_audit_page_in_words(client):
    # given a subject who does what a first hour holds, through the services
    subject = UserFactory()
    memorial = memorial_create(subject=subject, name="Ann Smith")
    grant_consent(memorial, ConsentScope.CORPUS)
    upload, _ = upload_create(
        memorial_id=memorial.id, file=SimpleUploadedFile("chat.txt", b"hello"), actor=subject
    )
    identity = identity_add(memorial_id=memorial.id, kind="email", value="ann@x.org", actor=subject)
    identity_remove(identity=identity, actor=subject)
    person = correspondent_add(
        memorial_id=memorial.id, value="Bob", register="family", actor=subject
    )
    correspondent_remove(correspondent=person, actor=subject)
    document = Document.objects.create(
        memorial=memorial, upload=upload, kind="journal", source="text", title_encrypted=b"",
        text_encrypted=b"", register="friends", content_sha256="1" * 64,
    )  # fmt: skip
    document_register_set(document=document, register="family", actor=subject)
    deletion = document_delete(document=document, actor=subject)
    deletion_restore(deletion=deletion, actor=subject)
    invitation = invitation_create(
        memorial=memorial, invited_by=subject, email="lucy@x.org", role=Role.FAMILY,
        base_url="http://testserver/",
    )  # fmt: skip
    invitation_resend(invitation=invitation, base_url="http://testserver/", actor=subject)
    invitation_revoke(invitation=invitation, actor=subject)
    InvitationFactory(memorial=memorial, role=Role.STEWARD, email="sam@x.org", token="sam-token")
    sam = UserFactory(email="sam@x.org")
    invitation_accept(token="sam-token", user=sam, age_group=AgeGroup.ADULT)
    memorial_transition(memorial=memorial, to=MemorialState.SEALED, actor=subject)
    twin_build_start(memorial_id=memorial.id, actor=subject)
    conversation_opened_record(memorial_id=memorial.id, visitor=subject, preview=True)
    conversation_closed_record(
        memorial_id=memorial.id, visitor=subject, preview=True, messages=3, seconds=250
    )
    consent_revoke(user=subject, memorial_id=memorial.id, scope=ConsentScope.CORPUS)

    # when the subject reads their audit log
    client.force_login(subject)
    page = audit_page(client, memorial)

    # then every action is there, worded for people, with counts and never content
    for action, words in [
        ("memorial.created", "Created the memorial"),
        ("corpus.upload_created", "Uploaded a file"),
        ("corpus.identity_added", "Added one of their names, addresses or handles"),
        ("corpus.identity_removed", "Removed one of their names, addresses or handles"),
        ("corpus.correspondent_set", "Said which part of their life someone belongs to"),
        ("corpus.correspondent_removed", "Took someone out of a part of their life"),
        ("corpus.register_set", "Moved a document to another part of their life"),
        ("corpus.document_delete", "Deleted a document"),
        ("corpus.deletion_undo", "Put back writing that had been deleted"),
        ("invitation.created", "Invited someone"),
        ("invitation.resent", "Sent an invitation again"),
        ("invitation.revoked", "Withdrew an invitation"),
        ("invitation.accepted", "Accepted an invitation and joined"),
        ("memorial.state_changed", "Changed the memorial&#x27;s state"),
        ("twins.build_start", "Started building the twin"),
        ("conversation.opened", "Opened a conversation with the twin"),
        ("conversation.closed", "Closed a conversation with the twin"),
        ("consent.revoked", "Withdrew a consent"),
    ]:
        assert action in rows(page), action
        assert words in page, words
    assert "3 messages · 4 minutes · a preview by the subject" in page
    assert "as a steward" in page and "now sealed" in page
    assert "ann@x.org" not in page and "Bob" not in page  # names and values never recorded
    assert not re.search(r"\b(corpus|memorial|invitation): ", page)  # no internal names


def test_the_filters_narrow_by_kind_person_and_days(client, monkeypatch):
    memorial = MemorialFactory()
    subject = memorial.subject
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD).user
    audit_record(action="consent.signed", memorial_id=memorial.id, actor=subject)
    audit_record(action="corpus.upload_created", memorial_id=memorial.id, actor=subject)
    audit_record(action="activation.started", memorial_id=memorial.id, actor=steward)
    audit_record(action="twins.build_ready", memorial_id=memorial.id)  # by Legacy itself
    past = timezone.now() - timedelta(days=40)
    with monkeypatch.context() as then:  # the log is append-only: written as if 40 days ago
        then.setattr(timezone, "now", lambda: past)
        audit_record(action="wishes.changed", memorial_id=memorial.id, actor=subject)
    client.force_login(subject)

    assert rows(audit_page(client, memorial, kind="writing")) == ["corpus.upload_created"]
    assert rows(audit_page(client, memorial, who=str(steward.pk))) == ["activation.started"]
    assert rows(audit_page(client, memorial, who="legacy")) == ["twins.build_ready"]
    recent = audit_page(client, memorial, since=(timezone.localdate() - timedelta(days=7)))
    assert "wishes.changed" not in rows(recent) and len(rows(recent)) == 5  # with "created"
    old_only = audit_page(client, memorial, until=(timezone.localdate() - timedelta(days=30)))
    assert rows(old_only) == ["wishes.changed"]
    both = audit_page(client, memorial, kind="consent", who=str(steward.pk))
    assert rows(both) == [] and "Nothing recorded matches these filters." in both
    # the people offered are those in this memorial's log, by name
    page = audit_page(client, memorial)
    assert f'<option value="{steward.pk}">{steward}</option>' in page
    assert '<option value="legacy">Legacy</option>' in page


def test_a_range_backwards_is_refused_in_words_and_everything_shown(client):
    memorial = MemorialFactory()
    client.force_login(memorial.subject)
    page = audit_page(client, memorial, since="2026-05-02", until="2026-05-01")
    assert "This day comes before the first one." in page
    assert rows(page) == ["memorial.created"]


def test_the_log_comes_in_pages_of_fifty_newest_first(client):
    memorial = MemorialFactory()  # "memorial.created": the 1st event
    for number in range(60):
        audit_record(action="export.downloaded", memorial_id=memorial.id,
                     actor=memorial.subject, data={"files": number})  # fmt: skip
    client.force_login(memorial.subject)
    first = audit_page(client, memorial)
    assert len(rows(first)) == 50 and "59 files" in first and "page 1 of 2" in first
    second = audit_page(client, memorial, page=2)
    assert len(rows(second)) == 11 and rows(second)[-1] == "memorial.created"
    filtered = audit_page(client, memorial, kind="data", page=2)
    assert 'href="?kind=data&amp;page=1"' in filtered  # the pages keep the filters


@pytest.mark.parametrize("events", [3, 70])
def test_the_audit_page_takes_the_same_queries_however_long_the_log(
    client, django_assert_num_queries, events
):
    memorial = MemorialFactory()
    people = [MembershipFactory(memorial=memorial, role=Role.STEWARD).user for _ in range(3)]
    for number in range(events):
        audit_record(action="consent.signed", memorial_id=memorial.id,
                     actor=people[number % 3], data={"scope": "voice"})  # fmt: skip
    client.force_login(memorial.subject)
    # session, user, membership, the people in the log, the count, the page, the
    # memorial's key (its encrypted name), whether it is the fictional demo (its banner), and
    # the brand of a firm the subject joined through (firms.context_processors)
    with django_assert_num_queries(9):
        page = audit_page(client, memorial, kind="consent")
    assert "Signed a consent" in page and "Your voice" in page
