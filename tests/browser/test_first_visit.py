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
    page.get_by_role("button", name="Create my memorial").click()
    page.get_by_role("heading", name="Ada Lovelace").wait_for()
    # and invite a family member
    page.get_by_label("Their email address").fill("byron@example.org")
    page.get_by_label("Family: may visit and talk with your memorial").check()
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("An invitation is on its way to byron@example.org").wait_for()
    page.get_by_text("Waiting to accept").wait_for()

    memorial = Memorial.objects.get(subject__email="ada@example.org")
    assert memorial.name == "Ada Lovelace"
    invitation = Invitation.objects.get(memorial=memorial)
    assert memorial.subject.email == "ada@example.org"
    assert (invitation.email, invitation.role) == ("byron@example.org", Role.FAMILY)
    assert mail.outbox[-1].to == ["byron@example.org"]
