"""A name with a line break cannot break an invitation; a mail that cannot go says so on the
subject's page, is not retried for ever, and can be sent again."""

from __future__ import annotations

import json
import re
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import timezone

from consent.selectors import consent_document_latest
from consent.services import ConsentError, consent_sign
from core import mail as outbox
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from core.models import OutboundMail
from memorials.models import Invitation, Memorial, Role
from memorials.services import InvitationError, invitation_check, invitation_create, memorial_create
from tests.accounts.factories import UserFactory
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def invite(client, memorial, email: str, capture) -> None:
    with capture(execute=True):
        response = client.post(
            reverse("memorials:invite", args=[memorial.id]), {"email": email, "role": Role.FAMILY}
        )
    assert response.status_code == 302


def delivery_on_page(client, memorial, invitation: Invitation) -> tuple[str, str]:
    page = client.get(memorial.get_absolute_url()).content.decode()
    item = re.search(rf'data-invitation="{invitation.id}">(.*?)</li>', page, flags=re.S)
    assert item, page
    state = re.search(r'data-delivery="(\w+)">\s*(.*?)\s*</p>', item.group(1), flags=re.S)
    return state.group(1), " ".join(state.group(2).split())


def link_token(message) -> str:
    return re.search(r"/invitations/([^/\s]+)/", message.body).group(1)


def test_names_with_line_breaks_from_before_still_make_a_one_line_subject(
    client, django_capture_on_commit_callbacks
):
    # given a memorial whose name was stored with line breaks (before the check)
    memorial = MemorialFactory(name="Ada Lovelace")
    Memorial.objects.filter(pk=memorial.pk).update(
        name_encrypted=memorial_cipher(memorial_id=memorial.id).encrypt_text(
            "Ada\r\nBcc: someone@example.org"
        )
    )
    memorial.refresh_from_db()
    client.force_login(memorial.subject)

    # when they invite someone: no error page
    invite(client, memorial, "sister@example.org", django_capture_on_commit_callbacks)

    # then the mail went out with its subject on one line, and the page says it was sent
    (sent,) = mail.outbox
    assert sent.subject == (
        "[Legacy] Ada Bcc: someone@example.org has invited you to "
        "Ada Bcc: someone@example.org's Legacy"
    )
    assert sent.to == ["sister@example.org"] and sent.bcc == []
    invitation = Invitation.objects.get(memorial=memorial)
    assert delivery_on_page(client, memorial, invitation) == ("sent", "Invitation sent.")
    assert not OutboundMail.objects.exists()


def test_a_mail_that_can_never_go_fails_once_shows_it_and_can_be_sent_again(
    client, django_capture_on_commit_callbacks
):
    # given an invitation whose mail has a line break in its subject (written before the fix)
    memorial = MemorialFactory()
    client.force_login(memorial.subject)
    with django_capture_on_commit_callbacks(execute=False):  # not delivered yet
        invitation = invitation_create(
            memorial=memorial,
            invited_by=memorial.subject,
            email="sister@example.org",
            role=Role.FAMILY,
            base_url="http://testserver/",
        )
    broken = json.dumps({"to": "sister@example.org", "subject": "Ada\nLovelace", "body": "Hi"})
    OutboundMail.objects.filter(memorial_id=memorial.id).update(
        message_encrypted=memorial_cipher(memorial_id=memorial.id).encrypt_text(broken)
    )
    (stuck,) = OutboundMail.objects.filter(memorial_id=memorial.id)
    assert delivery_on_page(client, memorial, invitation)[0] == "waiting"

    # when the task delivers it: Django refuses the header (BadHeaderError)
    result = outbox.mail_deliver.apply(kwargs={"mail_id": stuck.pk})

    # then it is not retried: recorded as failed for good, once, and the sweep leaves it
    assert result.state == "SUCCESS" and result.result is False
    stuck.refresh_from_db()
    assert (stuck.attempts, stuck.last_error) == (1, "BadHeaderError")
    assert stuck.failed_at is not None
    assert outbox.mail_outbox_sweep(now=timezone.now() + timedelta(hours=1)) == 0
    assert mail.outbox == []
    # and the subject's page says so, next to the way to send it again
    assert delivery_on_page(client, memorial, invitation) == (
        "failed",
        "This invitation could not be sent. Send it again, or withdraw it.",
    )
    assert "Send again" in client.get(memorial.get_absolute_url()).content.decode()

    # when they send it again
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("memorials:invitation_send_again", args=[memorial.id, invitation.id]),
            follow=True,
        )

    # then a new mail goes, with a new link that works, the failed one is gone, and it is sent
    assert "A new invitation is on its way to sister@example.org" in response.content.decode()
    (sent,) = mail.outbox
    assert "\n" not in sent.subject
    assert not OutboundMail.objects.exists()
    sister = UserFactory(email="sister@example.org")
    assert invitation_check(token=link_token(sent), user=sister).pk == invitation.pk
    assert delivery_on_page(client, memorial, invitation) == ("sent", "Invitation sent.")


def test_a_new_link_replaces_the_old_one(client, django_capture_on_commit_callbacks):
    memorial = MemorialFactory()
    client.force_login(memorial.subject)
    invite(client, memorial, "sister@example.org", django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(memorial=memorial)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("memorials:invitation_send_again", args=[memorial.id, invitation.id]))
    first, second = mail.outbox
    sister = UserFactory(email="sister@example.org")
    with pytest.raises(InvitationError, match="not valid"):
        invitation_check(token=link_token(first), user=sister)
    assert invitation_check(token=link_token(second), user=sister).pk == invitation.pk


def test_while_the_mail_server_is_down_the_invitation_says_it_is_waiting(
    client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.memorials.test_invitation_delivery.FailingBackend"
    memorial = MemorialFactory()
    client.force_login(memorial.subject)
    invite(client, memorial, "sister@example.org", django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(memorial=memorial)
    assert delivery_on_page(client, memorial, invitation) == (
        "waiting",
        "Not sent yet: the mail server has not taken it. We keep trying.",
    )
    assert OutboundMail.objects.get().failed_at is None  # still tried again by the sweep


def test_only_the_subject_sends_again_and_only_a_waiting_invitation(
    client, django_capture_on_commit_callbacks
):
    memorial = MemorialFactory()
    client.force_login(memorial.subject)
    invite(client, memorial, "sister@example.org", django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(memorial=memorial)
    url = reverse("memorials:invitation_send_again", args=[memorial.id, invitation.id])
    client.force_login(UserFactory())
    assert client.post(url).status_code == 404
    client.force_login(memorial.subject)
    client.post(reverse("memorials:invitation_cancel", args=[memorial.id, invitation.id]))
    page = client.post(url, follow=True).content.decode()
    assert "is no longer waiting, so it was not sent" in page
    assert len(mail.outbox) == 1


# --- names are checked where they are typed -----------------------------------------------


def test_the_memorial_name_is_checked_on_the_form_and_in_the_service(client):
    subject = UserFactory()
    client.force_login(subject)
    page = client.post(reverse("memorials:new"), {"name": "Ada\r\nLovelace"})
    assert page.status_code == 200
    assert "on one line" in page.content.decode()
    page = client.post(reverse("memorials:new"), {"name": "A" * 101})
    assert "at most 100 characters" in page.content.decode()
    assert not Memorial.objects.filter(subject=subject).exists()
    with pytest.raises(ValidationError):
        memorial_create(subject=subject, name="Ada\nLovelace")
    assert memorial_create(subject=subject, name="  Ada   Lovelace ").name == "Ada Lovelace"


def test_a_persons_name_is_checked_by_the_models_own_forms_too():
    """(A memorial's name is set only through memorial_create, encrypted: no form edits it.)"""
    person = UserFactory()
    person.full_name = "Ann\x1b[2J"
    with pytest.raises(ValidationError) as refused:
        person.full_clean()
    assert "full_name" in refused.value.message_dict


def test_a_typed_signature_with_a_line_break_is_refused():
    memorial = MemorialFactory(name="Ada Lovelace")
    with pytest.raises(ConsentError, match="on one line"):
        consent_sign(
            user=memorial.subject,
            memorial_id=memorial.id,
            scope=ConsentScope.CORPUS,
            document_sha256=consent_document_latest(scope=ConsentScope.CORPUS).sha256,
            typed_name="Ada\nLovelace",
            method="password",
        )
