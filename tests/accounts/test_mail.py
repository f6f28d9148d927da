"""allauth's mail in Legacy's voice: the site by its name, the person by theirs, HTML and text."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _parts(message: mail.EmailMultiAlternatives) -> tuple[str, str]:
    html = next(body for body, kind in message.alternatives if kind == "text/html")
    return message.body, str(html)


def test_the_verification_mail_names_the_site_and_the_person(client, settings):
    settings.LEGACY_SITE_NAME = "Legacy for the Hallorans"
    client.post(
        reverse("account_signup"),
        {
            "email": "maeve@example.org",
            "full_name": "  Maeve   Halloran ",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    message = mail.outbox[-1]
    text, html = _parts(message)
    assert message.to == ["maeve@example.org"]
    assert "Legacy for the Hallorans" in message.subject
    for body in (text, html):
        assert "Hello Maeve Halloran," in body
        assert "Legacy for the Hallorans" in body
        assert "testserver" not in body.split("http")[0]  # no host where a name belongs
        assert "/accounts/confirm-email/" in body
    assert text.rstrip().endswith("With care,\nLegacy for the Hallorans\nhttp://testserver")


def test_someone_without_a_name_is_greeted_plainly(client):
    client.post(
        reverse("account_signup"),
        {"email": "anon@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    text, html = _parts(mail.outbox[-1])
    assert text.startswith("Hello,\n")
    assert "Hello," in html


def test_the_password_reset_mail_names_the_person(client, settings):
    settings.LEGACY_SITE_NAME = "Legacy"
    UserFactory(email="forgetful@example.org", full_name="Ivo Brandt")
    client.post(reverse("account_reset_password"), {"email": "forgetful@example.org"})
    message = mail.outbox[-1]
    text, html = _parts(message)
    assert message.subject == "[Legacy] Choosing a new password"
    for body in (text, html):
        assert "Hello Ivo Brandt," in body
        assert "/accounts/password/reset/key/" in body
