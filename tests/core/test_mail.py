"""Notification mail goes out from tasks that retry: a mail server that fails delays a mail,
never loses it, and never fails the request that caused it."""

from __future__ import annotations

import smtplib
import zoneinfo
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from core import mail as outbox
from core.crypto import memorial_key_destroy
from core.models import OutboundMail
from memorials.activation.keys import activation_key_issue
from memorials.activation.requests import activation_start
from memorials.models import Role
from tests.memorials.conftest import certificate_upload
from tests.memorials.factories import MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def _answered(memorial) -> dict:
    """A real mail's template and context: the subject answered a visitor's question."""
    return {
        "template": "conversations/email/question_answered.txt",
        "context": {"memorial": memorial, "link": "https://legacy.example/c/"},
    }


@pytest.fixture
def queued(monkeypatch):
    """What would go to Celery: collected instead, and delivered when the test says."""
    ids: list[int] = []
    monkeypatch.setattr(
        outbox.mail_deliver, "apply_async", lambda kwargs, **options: ids.append(kwargs["mail_id"])
    )
    return ids


def test_an_activation_warning_survives_a_mail_server_that_is_down(
    settings, tmp_path, queued, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "tests.core.test_mail.FailingBackend"
    memorial = MemorialFactory()
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD).user
    key = activation_key_issue(memorial=memorial, steward=steward)

    # when a steward asks to activate the memorial while the mail server is down
    with django_capture_on_commit_callbacks(execute=True):
        activation_start(
            memorial=memorial, steward=steward, key=key, certificate=certificate_upload()
        )

    # then the request succeeded, and the warning to the subject waits in the outbox, queued
    (warning,) = [
        mail
        for mail in OutboundMail.objects.filter(memorial_id=memorial.id)
        if outbox.mail_message(mail).to == memorial.subject.email
    ]
    assert "asked to activate your Legacy" in outbox.mail_message(warning).subject
    assert warning.pk in queued
    # and each failed attempt is recorded and asks to be retried; the mail stays
    for attempt in (1, 2):
        with pytest.raises(outbox.MailNotDelivered):
            outbox.mail_deliver_one(mail_id=warning.pk)
        warning.refresh_from_db()
        assert (warning.attempts, warning.last_error) == (attempt, "SMTPServerDisconnected")
    assert mail.outbox == []

    # when the server is back and the sweep finds the mail still waiting
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    queued.clear()
    assert outbox.mail_outbox_sweep(now=timezone.now() + timedelta(minutes=11)) >= 1
    assert warning.pk in queued
    for mail_id in queued:
        outbox.mail_deliver_one(mail_id=mail_id)

    # then it is delivered once, to the subject alone, and leaves the outbox
    to_subject = [m for m in mail.outbox if m.to == [memorial.subject.email]]
    assert len(to_subject) == 1 and "asked to activate your Legacy" in to_subject[0].subject
    assert not OutboundMail.objects.filter(pk=warning.pk).exists()
    assert outbox.mail_deliver_one(mail_id=warning.pk) is False  # a late retry sends nothing


def test_the_delivery_task_retries_a_failing_server_with_backoff(settings, queued):
    settings.EMAIL_BACKEND = "tests.core.test_mail.FailingBackend"
    memorial = MemorialFactory()
    (message,) = outbox.mail_send_on_commit(
        to=["ann@example.org"], subject="Hello", memorial_id=memorial.id, **_answered(memorial)
    )
    assert outbox.mail_deliver.max_retries >= 5 and outbox.mail_deliver.retry_backoff
    assert issubclass(outbox.MailNotDelivered, outbox.mail_deliver.autoretry_for)
    result = outbox.mail_deliver.apply(kwargs={"mail_id": message.pk})
    # eagerly, every retry runs at once: all of them fail, and the mail is still there
    assert result.state == "FAILURE"
    message.refresh_from_db()
    assert message.attempts == outbox.mail_deliver.max_retries + 1


def test_mail_is_written_with_the_change_and_queued_only_after_commit(queued):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        memorial = MemorialFactory()
        outbox.mail_send_on_commit(
            to=["ann@example.org"], subject="Hello", memorial_id=memorial.id, **_answered(memorial)
        )
        raise RuntimeError("the change failed")
    assert not OutboundMail.objects.exists() and queued == []


def test_a_waiting_mail_is_encrypted_and_goes_nowhere_once_its_memorial_is_erased(queued):
    memorial = MemorialFactory(name="Ada Lovelace")
    (waiting,) = outbox.mail_send_on_commit(
        to=["george@example.org"],
        subject="Ada Lovelace's memorial",
        memorial_id=memorial.id,
        **_answered(memorial),
    )
    stored = bytes(OutboundMail.objects.get(pk=waiting.pk).message_encrypted)
    assert b"george" not in stored and b"Lovelace" not in stored
    memorial_key_destroy(memorial_id=memorial.id)
    assert outbox.mail_deliver_one(mail_id=waiting.pk) is False
    assert mail.outbox == [] and not OutboundMail.objects.filter(pk=waiting.pk).exists()


def test_a_mail_goes_in_plain_text_and_html_greeting_its_reader_by_name(settings, queued):
    settings.LEGACY_SITE_NAME = "Hearth"
    settings.SITE_URL = "https://hearth.example"
    memorial = MemorialFactory(name="Ada <Lovelace>")
    reader = MembershipFactory(
        memorial=memorial, role=Role.FAMILY, user__full_name="George Byron"
    ).user
    (waiting,) = outbox.mail_send_on_commit(
        to=[reader.email.upper()], subject="An answer", memorial_id=memorial.id,
        **_answered(memorial),
    )  # fmt: skip
    assert outbox.mail_deliver_one(mail_id=waiting.pk) is True
    (sent,) = mail.outbox
    assert sent.subject == "[Hearth] An answer"
    # the plain text: greeted by name, the mail's own words, signed with the site's name
    assert sent.body.startswith("Hello George Byron,\n\nAda <Lovelace> has answered")
    assert sent.body.rstrip().endswith("With care,\nHearth\nhttps://hearth.example")
    assert "Legacy" not in sent.body
    # the HTML part says the same, escaped, its link live, the house style in its elements
    ((html, kind),) = sent.alternatives
    assert kind == "text/html"
    assert "Hello George Byron," in html and "Ada &lt;Lovelace&gt; has answered" in html
    assert '<a href="https://legacy.example/c/"' in html
    assert "<style" not in html and 'style="' in html and "#4f6344" in html


def test_someone_without_an_account_is_greeted_plainly(queued):
    memorial = MemorialFactory()
    (waiting,) = outbox.mail_send_on_commit(
        to=["new@example.org"], subject="Hello", memorial_id=memorial.id, **_answered(memorial)
    )
    outbox.mail_deliver_one(mail_id=waiting.pk)
    assert mail.outbox[0].body.startswith("Hello,\n\n")


def test_a_branded_mail_names_the_brand_beside_the_site_and_goes_under_its_sender_name(
    settings, queued
):
    settings.DEFAULT_FROM_EMAIL = "Legacy <no-reply@legacy.example>"
    settings.SITE_URL = "https://legacy.example"
    memorial = MemorialFactory()
    brand = outbox.MailBrand(
        name="Hart & Vale",
        colour="#2f5d62",
        logo_url="https://legacy.example/firms/hart-vale/logo",
        sender_name="Hart & Vale\nBcc: x@evil.example",
    )
    (waiting,) = outbox.mail_send_on_commit(
        to=["new@example.org"], subject="Hello", memorial_id=memorial.id, brand=brand,
        **_answered(memorial),
    )  # fmt: skip
    outbox.mail_deliver_one(mail_id=waiting.pk)
    (sent,) = mail.outbox
    # the display name is the brand's, on one line; the address stays the site's
    assert sent.from_email == '"Hart & Vale Bcc: x@evil.example" <no-reply@legacy.example>'
    assert sent.body.rstrip().endswith("With care,\nHart & Vale and Legacy\nhttps://legacy.example")
    ((html, _),) = sent.alternatives
    assert "Hart &amp; Vale</strong> with Legacy" in html
    assert 'src="https://legacy.example/firms/hart-vale/logo"' in html and "#2f5d62" in html


def test_times_in_a_mail_are_written_in_its_readers_time_zone_not_the_senders(
    settings, tmp_path, queued, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    memorial = MemorialFactory(subject__time_zone="America/New_York")
    steward = MembershipFactory(
        memorial=memorial, role=Role.STEWARD, user__time_zone="Asia/Tokyo"
    ).user
    key = activation_key_issue(memorial=memorial, steward=steward)
    # given a steward in Tokyo, whose own time zone the page they act from has activated,
    # when they ask to activate the memorial of a subject who lives in New York
    tokyo = timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo"))
    with tokyo, django_capture_on_commit_callbacks(execute=True):
        request = activation_start(
            memorial=memorial, steward=steward, key=key, certificate=certificate_upload()
        )
    for mail_id in queued:
        outbox.mail_deliver_one(mail_id=mail_id)
    # then the warning to the subject gives the time the request can be approved in New York
    (warning,) = [m for m in mail.outbox if m.to == [memorial.subject.email]]
    there = request.approvable_at.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    assert f"Nothing happens before {there:%-d %B %Y, %H:%M} E" in warning.body  # EST or EDT
    ((html, _),) = warning.alternatives
    assert f"{there:%-d %B %Y, %H:%M} E" in html


def test_a_reader_without_a_time_zone_is_given_times_in_the_sites(
    settings, tmp_path, queued, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    memorial = MemorialFactory(subject__time_zone="")
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD).user
    key = activation_key_issue(memorial=memorial, steward=steward)
    tokyo = timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo"))
    with tokyo, django_capture_on_commit_callbacks(execute=True):
        request = activation_start(
            memorial=memorial, steward=steward, key=key, certificate=certificate_upload()
        )
    for mail_id in queued:
        outbox.mail_deliver_one(mail_id=mail_id)
    (warning,) = [m for m in mail.outbox if m.to == [memorial.subject.email]]
    assert f"Nothing happens before {request.approvable_at:%-d %B %Y, %H:%M} UTC" in warning.body
