"""A person's first visit, in a real browser: sign up, confirm, start a memorial, invite."""

from __future__ import annotations

import re

from django.core import mail

from memorials.models import Invitation, Memorial, Role


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
    page.get_by_role("button", name="Create my Legacy").click()
    page.get_by_role("heading", name="Ada Lovelace").wait_for()
    # and invite a family member
    page.get_by_label("Their email address").fill("byron@example.org")
    page.get_by_label("Family: may talk with your twin, when you allow it").check()
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("An invitation is on its way to byron@example.org").wait_for()
    page.get_by_text("Waiting to accept").wait_for()

    memorial = Memorial.objects.get(subject__email="ada@example.org")
    assert memorial.name == "Ada Lovelace"
    invitation = Invitation.objects.get(memorial=memorial)
    assert memorial.subject.email == "ada@example.org"
    assert (invitation.email, invitation.role) == ("byron@example.org", Role.FAMILY)
    assert mail.outbox[-1].to == ["byron@example.org"]

    # the invited brother opens the link in his mail: he is told who invites him and why
    link = re.search(r"http://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)
    page.context.clear_cookies()
    page.goto(link)
    page.get_by_role("heading", name="Ada Lovelace has invited you").wait_for()
    page.get_by_text("As family, you will be able to talk").wait_for()
    _shot(page, "invitation-landing")
    # creating his account comes first, with the invited address filled in
    page.locator("main").get_by_role("link", name="Create your account").click()
    assert page.get_by_label("Email").input_value() == "byron@example.org"
    page.get_by_label("Password:", exact=True).fill("another calm long passphrase")
    page.get_by_label("Password (again):").fill("another calm long passphrase")
    page.get_by_role("button", name=re.compile("Sign up", re.I)).click()
    # and he is not asked to confirm the address the link already proved: he can accept
    page.get_by_label("18 or over").check()
    page.get_by_role("button", name="Accept the invitation").click()
    page.get_by_text("Welcome. Ada Lovelace invited you as family").wait_for()
    page.get_by_text("has not opened conversations with their twin yet").wait_for()
    _shot(page, "invitation-accepted")


def _shot(page, name: str) -> None:
    """With LEGACY_SHOTS=<folder>: the page at phone and desktop sizes, to look at."""
    import os

    folder = os.environ.get("LEGACY_SHOTS")
    if not folder:
        return
    for width, height in ((390, 844), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
