"""The words of every mail sent in a firm's name (templates/firms/email/): written in the
house's warm voice, with the site's real name, greeting the reader once (the shared base does
it, by their display name), and never calling a living client's Legacy a "memorial"."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from core.mail import mail_render

FIRM = SimpleNamespace(name="Hart & Vale")
CLIENT = SimpleNamespace(
    name="Ada Byron",
    email="ada@example.org",
    invitation_expires_at=timezone.now() + timedelta(days=14),
    professional_steward_since=None,
)
MAILS = {
    "firms/email/client_invitation.txt": {"client": CLIENT, "link": "https://hearth.example/f/1/"},
    "firms/email/client_reminder.txt": {
        "sender": "Ann Vale",
        "consents_missing": ["Your writing"],
        "no_writing": True,
        "link": "https://hearth.example/m/1/",
    },
    "firms/email/client_detached.txt": {"client": CLIENT},
    "firms/email/firm_closed_client.txt": {"client": CLIENT},
    "firms/email/steward_withdrawn.txt": {"client": CLIENT, "request_cancelled": True},
    "firms/email/client_pays_self.txt": {"client": CLIENT, "plan_name": "Interactive"},
    "firms/email/client_seat_released.txt": {"client": CLIENT},
    "firms/email/staff_invitation.txt": {
        "inviter": "Ann Vale",
        "role_words": "an advisor",
        "link": "https://hearth.example/s/1/",
        "invitation": SimpleNamespace(
            email="tom@example.org", expires_at=timezone.now() + timedelta(days=7)
        ),
    },
}


@pytest.mark.parametrize("template", MAILS)
def test_a_firms_mail_names_the_site_greets_once_and_says_legacy_not_memorial(settings, template):
    settings.LEGACY_SITE_NAME = "Hearth"
    text, html = mail_render(
        template=template,
        context={"firm": FIRM, **MAILS[template]},
        subject="A note",
        person_name="Ada Byron",
    )
    body = text.split("\n\n", 1)[1]  # what follows the base's greeting
    assert text.startswith("Hello Ada Byron,\n\n")
    assert "Hearth" in body, "the mail's own words name the site as it is called"
    assert not body.lstrip().startswith(("Dear", "Hello")), "greeted twice"
    assert "memorial" not in text.lower()
    assert "Hello Ada Byron," in html and "Hearth" in html and "memorial" not in html.lower()
