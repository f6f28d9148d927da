"""The age group: asked of everyone accepting an invitation (a required choice), and once,
before their next conversation, of members who joined before it was asked."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from conversations.access import conversation_access
from conversations.guardrails.limits import AGE_UNSTATED, MINOR_WAITING
from core.audit import memorial_ref
from core.consent import ConsentScope
from core.models import AuditEvent
from memorials.models import AgeGroup, Membership, Role
from memorials.opening import memorial_open_while_living
from memorials.services import InvitationError, invitation_accept
from memorials.wishes import wishes_update
from tests.accounts.factories import UserFactory
from tests.consent.factories import grant_consent
from tests.memorials.factories import InvitationFactory, MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db


def opened_to_family(memorial) -> None:
    wishes_update(
        memorial=memorial, actor=memorial.subject, visitors="all_family", named_visitors=[],
        forbidden_topics=[], talk_while_living=True, sunset="none", sunset_years=None,
        sunset_on=None, ending="archive",
    )  # fmt: skip
    grant_consent(memorial, ConsentScope.CORPUS, ConsentScope.CONVERSATION_LIVING)
    memorial_open_while_living(memorial=memorial, actor=memorial.subject)


def test_the_acceptance_page_asks_the_age_group_and_will_not_accept_without_it(client):
    invitation = InvitationFactory(token="age-token-abcdefghijklmnop")
    client.force_login(UserFactory(email=invitation.email))
    url = reverse("invitations:show", args=["age-token-abcdefghijklmnop"])
    page = client.get(url).content.decode()
    assert "How old are you?" in page and "18 or over" in page and "Under 18" in page
    refused = client.post(url)
    assert refused.status_code == 400
    assert "Please tell us whether you are 18 or over, or under 18." in refused.content.decode()
    assert not Membership.objects.filter(memorial=invitation.memorial, role=Role.FAMILY).exists()


def test_a_visitor_under_18_joins_and_waits_for_a_steward(client, mailoutbox):
    memorial = MemorialFactory()
    opened_to_family(memorial)
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD)
    invitation = InvitationFactory(memorial=memorial, token="young-token-abcdefghijklmnop")
    visitor = UserFactory(email=invitation.email)
    client.force_login(visitor)
    client.post(
        reverse("invitations:show", args=["young-token-abcdefghijklmnop"]), {"age_group": "minor"}
    )
    membership = Membership.objects.get(memorial=memorial, user=visitor)
    assert membership.age_group == AgeGroup.MINOR and membership.minor_approved_at is None
    access = conversation_access(user=visitor, memorial_id=memorial.id)
    assert not access.allowed and access.reason == MINOR_WAITING
    # the memorial page says so too, and shows the steward the way to agree
    assert escape(MINOR_WAITING) in client.get(memorial.get_absolute_url()).content.decode()
    client.force_login(steward.user)
    page = client.get(reverse("conversations:visitors_time", args=[memorial.id])).content.decode()
    assert "data-approval" in page and f"Agree that {visitor}" in page


def test_the_service_refuses_an_age_group_that_is_not_one():
    invitation = InvitationFactory(token="bad-age-token-abcdefghijklmnop")
    with pytest.raises(InvitationError):
        invitation_accept(
            token="bad-age-token-abcdefghijklmnop",
            user=UserFactory(email=invitation.email),
            age_group="",
        )


def test_an_earlier_member_is_asked_once_before_their_next_conversation(client):
    memorial = MemorialFactory()
    opened_to_family(memorial)
    member = MembershipFactory(memorial=memorial, role=Role.FAMILY, age_group=AgeGroup.UNSTATED)
    access = conversation_access(user=member.user, memorial_id=memorial.id)
    assert not access.allowed and access.reason == AGE_UNSTATED
    client.force_login(member.user)
    assert "data-age-group" in client.get(memorial.get_absolute_url()).content.decode()
    # when they answer, they may talk, and the question is gone
    client.post(reverse("conversations:age_group", args=[memorial.id]), {"age_group": "adult"})
    assert conversation_access(user=member.user, memorial_id=memorial.id).allowed
    assert "data-age-group" not in client.get(memorial.get_absolute_url()).content.decode()
    # asked once: a later answer changes nothing (a steward's approval rests on it)
    client.post(reverse("conversations:age_group", args=[memorial.id]), {"age_group": "minor"})
    member.refresh_from_db()
    assert member.age_group == AgeGroup.ADULT
    assert (
        AuditEvent.objects.filter(
            memorial_ref=memorial_ref(memorial.id), action="membership.age_group_stated"
        ).count()
        == 1
    )
