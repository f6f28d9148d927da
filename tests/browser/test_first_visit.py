"""A person's first visit, in a real browser: sign up, confirm, start a memorial, invite."""

from __future__ import annotations

import re
import shutil

import pytest
from django.core import mail

from memorials.models import Invitation, Memorial, Role

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
    ),
]


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls this test makes
    # between browser steps are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
        yield context.new_page()
        browser.close()


def test_sign_up_confirm_create_a_memorial_and_invite_family(page, live_server):
    # given a newcomer on the home page
    page.goto(live_server.url)
    page.get_by_role("link", name="Begin").click()
    # when they sign up
    page.get_by_label("Email").fill("ada@example.org")
    page.get_by_label("Password:", exact=True).fill("a calm and long passphrase")
    page.get_by_label("Password (again):").fill("a calm and long passphrase")
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_text("Verify Your Email Address").wait_for()
    # and follow the link in the confirmation mail
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    # then they are signed in, and can start their memorial
    page.get_by_role("link", name="Start preserving yourself").click()
    page.get_by_label("Your name, as your family knows you").fill("Ada Lovelace")
    page.get_by_role("button", name="Create my memorial").click()
    page.get_by_role("heading", name="Ada Lovelace").wait_for()
    # and invite a family member
    page.get_by_label("Their email address").fill("byron@example.org")
    page.get_by_label("Family: may visit and talk with your memorial").check()
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("An invitation is on its way to byron@example.org").wait_for()
    page.get_by_text("Waiting to accept").wait_for()

    memorial = Memorial.objects.get(name="Ada Lovelace")
    invitation = Invitation.objects.get(memorial=memorial)
    assert memorial.subject.email == "ada@example.org"
    assert (invitation.email, invitation.role) == ("byron@example.org", Role.FAMILY)
    assert mail.outbox[-1].to == ["byron@example.org"]
