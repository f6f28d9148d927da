"""Endings handled with care (issue 14, point 8): who is told of an erasure, what is left
for the person who erased, what a steward finds afterwards, and how an activation's end,
its timeline and its staff review are shown."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.models import OutboundMail
from memorials.activation.approvals import activation_cancel, activation_reject
from memorials.erasure.services import memorial_erase
from memorials.models import ActivationRequest
from tests.accounts.factories import UserFactory
from tests.memorials.conftest import certificate_upload
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db


def text_and_html(message) -> tuple[str, str]:
    html = next(content for content, kind in message.alternatives if kind == "text/html")
    return message.body, html


# --- the mail after an erasure ----------------------------------------------------------


def test_the_subject_erasing_tells_each_steward_and_family_member_gently_by_name(
    memorial, steward, family, settings, django_capture_on_commit_callbacks
):
    # given a subject with a display name, a steward and a family member with theirs
    settings.LEGACY_SITE_NAME = "Evergreen"
    memorial.subject.full_name = "Ann Smith"
    memorial.subject.save(update_fields=["full_name"])
    family.full_name = "Joe Smith"
    family.save(update_fields=["full_name"])
    # when the subject pulls the kill switch
    with django_capture_on_commit_callbacks(execute=True):
        memorial_erase(memorial=memorial, actor=memorial.subject, reason="kill switch")
    # then each of them gets one mail of their own, the subject none
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {steward.email, family.email}
    message = by_address[family.email]
    assert message.subject == "[Evergreen] Ann Smith has erased what they kept with Evergreen"
    text, html = text_and_html(message)
    for part in (text, html):
        assert "Hello Joe Smith," in part
        assert "Ann Smith has chosen to erase everything they kept with Evergreen" in part
        assert "memorial" not in part.lower()  # she may be alive: not the word for her
        assert reverse("safety") in part
    assert "<p" in html and "<p" not in text
    # and nothing waits in the outbox once it is delivered
    assert not OutboundMail.objects.exists()


def test_a_steward_erasing_after_death_tells_the_others_but_not_themselves(
    memorial, steward, second_steward, family, django_capture_on_commit_callbacks
):
    steward.full_name = "Sam Doe"
    steward.save(update_fields=["full_name"])
    with django_capture_on_commit_callbacks(execute=True):
        memorial_erase(memorial=memorial, actor=steward, reason="kill switch, by a steward")
    assert {message.to[0] for message in mail.outbox} == {second_steward.email, family.email}
    subject_name = memorial.subject.full_name or memorial.name
    assert f"As {subject_name} wished, Sam Doe has erased everything" in mail.outbox[0].body


def test_an_erasure_the_wishes_asked_for_tells_everyone_but_the_subject(
    memorial, steward, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        memorial_erase(memorial=memorial, actor=None, reason="sunset")
    assert [message.to for message in mail.outbox] == [[steward.email]]
    assert "at the end they chose" in mail.outbox[0].body


def test_the_waiting_notice_is_not_readable_in_the_outbox(
    memorial, steward, django_capture_on_commit_callbacks
):
    # given mail that cannot go yet (nothing runs on commit here)
    memorial.subject.full_name = "Zebedee Quill"
    memorial.subject.save(update_fields=["full_name"])
    memorial_erase(memorial=memorial, actor=memorial.subject, reason="kill switch")
    # then the notice waits encrypted: neither the name nor the address is in the row
    row = OutboundMail.objects.get()
    stored = bytes(row.message_encrypted)
    assert b"Zebedee" not in stored and steward.email.encode() not in stored
    assert row.memorial_id != memorial.id  # under a key of its own: the memorial's is gone


# --- what is left: a tombstone line, and a page that explains ----------------------------


def test_the_list_keeps_a_tombstone_line_with_the_certificate_to_download_again(client):
    memorial = MemorialFactory(name="Ada Lovelace")
    certificate = memorial_erase(memorial=memorial, actor=memorial.subject, reason="kill switch")
    client.force_login(memorial.subject)
    page = client.get(reverse("memorials:list")).content.decode()
    assert "You are not part of anyone's Legacy yet" not in page
    assert "Erased memorial" in page and "Ada" not in page
    download = reverse("rights:certificate", args=[certificate.id])
    assert download in page
    assert client.get(download).status_code == 200


def test_someone_else_sees_no_tombstone_line(client):
    memorial = MemorialFactory()
    memorial_erase(memorial=memorial, actor=memorial.subject, reason="kill switch")
    client.force_login(UserFactory())
    page = client.get(reverse("memorials:list")).content.decode()
    assert "Erased memorial" not in page and "You are not part of anyone's Legacy yet" in page


def test_a_steward_s_pending_request_says_the_memorial_was_erased(
    client, memorial, steward, pending
):
    memorial_erase(memorial=memorial, actor=memorial.subject, reason="kill switch")
    client.force_login(steward)
    response = client.get(reverse("memorials:activation", args=[memorial.id]))
    assert response.status_code == 410
    page = response.content.decode()
    assert "This has been erased" in page and "data-activation-erased" in page
    # the memorial's own page says it too, without the activation's words
    response = client.get(memorial.get_absolute_url())
    assert response.status_code == 410 and "data-activation-erased" not in response.content.decode()


def test_a_memorial_that_is_not_erased_stays_a_plain_404(client, memorial):
    client.force_login(UserFactory())
    assert client.get(reverse("memorials:activation", args=[memorial.id])).status_code == 404


# --- activation: its end, its errors, its timeline, its staff ----------------------------


def test_a_request_the_subject_cancelled_is_shown_to_the_steward_as_cancelled(
    client, memorial, steward, pending
):
    activation_cancel(activation=pending, actor=memorial.subject)
    client.force_login(steward)
    page = client.get(reverse("memorials:activation", args=[memorial.id])).content.decode()
    assert 'data-ended="cancelled"' in page and "The request was cancelled" in page
    assert "they did so themselves" in page
    assert "you can ask again below" in page  # and the form is still there
    assert 'name="key"' in page


def test_a_request_withdrawn_or_not_approved_says_so(
    client, memorial, steward, second_steward, pending
):
    activation_reject(activation=pending, actor=second_steward)
    client.force_login(steward)
    page = client.get(reverse("memorials:activation", args=[memorial.id])).content.decode()
    assert 'data-ended="rejected"' in page and "The request was not approved" in page


def test_a_fresh_memorial_shows_no_ended_request(client, memorial, steward):
    client.force_login(steward)
    page = client.get(reverse("memorials:activation", args=[memorial.id])).content.decode()
    assert "data-ended" not in page


def test_a_wrong_key_shows_its_error_once(client, memorial, steward, steward_key):
    client.force_login(steward)
    response = client.post(
        reverse("memorials:activation", args=[memorial.id]),
        {"key": "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE", "certificate": certificate_upload()},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert len(re.findall("not your activation key", page)) == 1


def test_the_subject_s_card_states_the_real_timeline(client, memorial, steward, steward_key):
    # given a request made now: the notice period runs
    activation = ActivationRequest.objects.create(
        memorial=memorial, started_by=steward, certificate_path="x",
        certificate_type="application/pdf", certificate_bytes=1,
        approvable_at=timezone.now() + timedelta(hours=72),
    )  # fmt: skip
    client.force_login(memorial.subject)
    page = client.get(memorial.get_absolute_url()).content.decode()
    assert "Nothing changes until you decide" not in page
    assert "from then on it can be approved without you" in page
    # and once it has passed
    activation.approvable_at = timezone.now() - timedelta(hours=1)
    activation.save(update_fields=["approvable_at"])
    page = client.get(memorial.get_absolute_url()).content.decode()
    assert "it can be approved at any time now, without you" in page


def test_staff_reach_their_review_from_the_navigation(client):
    review = reverse("memorials:activation_review")
    client.force_login(UserFactory(is_staff=True))
    assert review in client.get(reverse("memorials:list")).content.decode()
    client.force_login(UserFactory())
    assert review not in client.get(reverse("memorials:list")).content.decode()


def test_the_staff_hint_is_printed_only_while_nobody_is_staff():
    out = StringIO()
    call_command("staff_hint", stdout=out)
    assert "manage.py createsuperuser" in out.getvalue()
    UserFactory(is_staff=True)
    out = StringIO()
    call_command("staff_hint", stdout=out)
    assert out.getvalue() == ""


def test_a_single_steward_s_request_reaches_staff_review(client, pending):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    page = client.get(reverse("memorials:activation_review")).content.decode()
    assert reverse("memorials:activation_review_decide", args=[pending.id]) in page
