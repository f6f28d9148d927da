"""Healthy use in a real browser: a visitor states their age group when accepting an
invitation, and a steward agrees that a visitor under 18 may talk, on the visitors' time page,
where the weekly trend shows without anything said. Screenshots go to $LEGACY_SHOTS when set."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page

from conversations.guardrails.reliance import reliance_note
from core.consent import ConsentScope
from memorials.models import AgeGroup, Membership, Role
from memorials.opening import memorial_open_while_living
from memorials.wishes import wishes_update
from tests.accounts.factories import PASSWORD, UserFactory
from tests.consent.factories import grant_consent
from tests.conversations.guardrails.helpers import messages_at
from tests.memorials.factories import InvitationFactory, MembershipFactory, MemorialFactory

DESKTOP = {"width": 1280, "height": 800}


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("LEGACY_SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for size, viewport in (("phone", {"width": 390, "height": 844}), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=f"{folder}/{name}-{size}.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("button", name="Sign out").wait_for()


def test_the_age_group_at_acceptance_and_a_stewards_agreement(page, live_server):
    # given a memorial opened to family, with a steward, and an invitation waiting
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, ConsentScope.CORPUS, ConsentScope.CONVERSATION_LIVING)
    wishes_update(
        memorial=memorial, actor=memorial.subject, visitors="all_family", named_visitors=[],
        forbidden_topics=[], talk_while_living=True, sunset="none", sunset_years=None,
        sunset_on=None, ending="archive",
    )  # fmt: skip
    memorial_open_while_living(memorial=memorial, actor=memorial.subject)
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD, user__full_name="Ruth")
    invitation = InvitationFactory(memorial=memorial, token="young-visitor-token-abcdef")
    UserFactory(email=invitation.email, full_name="Sam")
    # and an adult visitor whose visits grew this week, late at night
    older = MembershipFactory(memorial=memorial, role=Role.FAMILY, user__full_name="Lucy")
    now = timezone.now()
    for week in range(1, 6):
        start = now - timedelta(weeks=week, hours=2)
        messages_at(memorial, older.user, [start + timedelta(minutes=m) for m in (0, 10)])
    for day in range(1, 5):
        start = now - timedelta(days=day, hours=1)
        messages_at(memorial, older.user, [start + timedelta(minutes=m) for m in range(0, 50, 10)])
    reliance_note(memorial_id=memorial.id, visitor_id=older.user_id, text="I talk to you every day")

    # when Sam accepts on a phone, the age group is asked, and required
    sign_in(page, live_server.url, invitation.email)
    page.goto(live_server.url + "/invitations/young-visitor-token-abcdef/")
    page.get_by_role("group", name="How old are you?").wait_for()
    shot(page, "acceptance")
    page.get_by_label("Under 18").check()
    page.get_by_role("button", name="Accept the invitation").click()
    page.get_by_text("A steward needs to agree before you can talk with the twin.").wait_for()
    sam = Membership.objects.get(memorial=memorial, user__email=invitation.email)
    assert sam.age_group == AgeGroup.MINOR

    # then the steward finds them on the visitors' time page and agrees
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server.url, steward.user.email)
    page.goto(live_server.url + memorial.get_absolute_url())
    page.get_by_role("link", name="See visitors' time").click()
    page.get_by_role("heading", name="Visitors' time").wait_for()
    shot(page, "visitors-time")
    page.get_by_role("button", name="Agree that Sam may talk with the twin").click()
    page.get_by_text("Sam may now talk with the twin.").wait_for()
    sam.refresh_from_db()
    assert sam.minor_approved_at is not None and sam.minor_approved_by == steward.user
    assert "a private word" not in page.content()
