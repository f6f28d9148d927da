# ruff: noqa: F811  (pytest fixtures imported from the memorials tests, then used as arguments)
"""Who may talk with the twin: `conversation_access`, the one place that decides, and the
words each refusal gives."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from consent.services import consent_revoke
from conversations.access import conversation_access
from core.consent import ConsentScope
from memorials.activation.approvals import activation_approve
from memorials.models import Membership, MemorialState, Role, SunsetRule, VisitorRule
from memorials.selectors import MemorialNotFound
from memorials.services import memorial_transition
from memorials.wishes import wishes_update
from tests.accounts.factories import UserFactory
from tests.consent.factories import grant_consent
from tests.memorials.conftest import (  # noqa: F401  (fixtures: the memorials tests' own)
    family,
    media_root,
    memorial,
    pending,
    second_steward,
    steward,
    steward_key,
)
from tests.memorials.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def wish(memorial, *, visitors=VisitorRule.ALL_FAMILY, named=(), talk_while_living=False):
    wishes_update(
        memorial=memorial,
        actor=memorial.subject,
        visitors=visitors,
        named_visitors=[
            f"member:{Membership.objects.get(memorial=memorial, user=user).pk}" for user in named
        ],
        forbidden_topics=[],
        talk_while_living=talk_while_living,
        sunset=SunsetRule.NONE,
        sunset_years=None,
        sunset_on=None,
        ending="archive",
    )


def open_while_living(memorial):
    memorial_transition(memorial=memorial, to=MemorialState.ACTIVE, while_living=True)


def activate_after_death(memorial, pending, second_steward):
    activation_approve(activation=pending, approver=second_steward)
    memorial.refresh_from_db()


def change_email(user, address):
    """The person changes their account's address, as allauth leaves it."""
    user.email = address
    user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=user).update(email=address)


def refusal(user, memorial):
    access = conversation_access(user=user, memorial_id=memorial.id)
    assert access.allowed is (access.reason == "")
    return access.reason


@pytest.fixture
def living_open(memorial, family):
    """Opened by its living subject, whose wishes and consent allow talk while living."""
    wish(memorial, talk_while_living=True)
    grant_consent(memorial, ConsentScope.CONVERSATION_LIVING)
    open_while_living(memorial)
    return memorial


# --- the subject -----------------------------------------------------------------------


@pytest.mark.parametrize("state", [MemorialState.PRESERVING, MemorialState.SEALED])
def test_the_subject_always_previews_their_own_twin_without_any_consent(memorial, state):
    memorial.state = state
    memorial.save(update_fields=["state"])
    access = conversation_access(user=memorial.subject, memorial_id=memorial.id)
    assert (access.allowed, access.preview, access.reason) == (True, True, "")


def test_strangers_and_erased_memorials_are_not_found(memorial, family):
    with pytest.raises(MemorialNotFound):
        conversation_access(user=UserFactory(), memorial_id=memorial.id)
    memorial.state = MemorialState.ERASED
    memorial.save(update_fields=["state"])
    with pytest.raises(MemorialNotFound):
        conversation_access(user=family, memorial_id=memorial.id)


# --- before it is open -----------------------------------------------------------------


def test_family_and_stewards_wait_until_the_subject_opens_it(memorial, family, steward):
    for person in (family, steward):
        assert refusal(person, memorial) == (
            f"{memorial.name} has not opened conversations with their twin yet."
        )


def test_a_sealed_memorial_is_the_subjects_alone(memorial, family):
    memorial_transition(memorial=memorial, to=MemorialState.SEALED)
    assert refusal(family, memorial) == (
        f"{memorial.name} has sealed their Legacy: for now, nobody but them talks with their twin."
    )
    assert "memorial" not in refusal(family, memorial).lower()


def test_an_active_memorial_neither_opened_nor_activated_lets_nobody_in(memorial, family):
    # given a memorial made active by hand, not by the subject nor by an activation
    wish(memorial, talk_while_living=True)
    grant_consent(memorial, ConsentScope.CONVERSATION_LIVING, ConsentScope.CONVERSATION_POSTHUMOUS)
    memorial_transition(memorial=memorial, to=MemorialState.ACTIVE)
    assert "has not opened conversations with their twin" in refusal(family, memorial)


# --- opened while the subject lives ----------------------------------------------------


def test_opened_while_living_family_and_stewards_talk_under_the_living_consent(
    living_open, family, steward
):
    for person in (family, steward):
        access = conversation_access(user=person, memorial_id=living_open.id)
        assert (access.allowed, access.preview) == (True, False)
        assert access.scope == ConsentScope.CONVERSATION_LIVING


def test_opened_while_living_without_the_living_consent_nobody_talks(memorial, family):
    wish(memorial, talk_while_living=True)
    grant_consent(memorial, ConsentScope.CONVERSATION_POSTHUMOUS)  # not the one that counts
    open_while_living(memorial)
    assert refusal(family, memorial) == (
        f"{memorial.name} has not given, or has withdrawn, their consent to conversations "
        "while they live."
    )


def test_withdrawing_the_living_consent_stops_the_conversations(living_open, family):
    consent_revoke(
        user=living_open.subject,
        memorial_id=living_open.id,
        scope=ConsentScope.CONVERSATION_LIVING,
    )
    assert "has withdrawn, their consent" in refusal(family, living_open)


def test_a_subject_who_no_longer_wishes_it_is_obeyed_while_still_open(living_open, family):
    wish(living_open, talk_while_living=False)
    assert refusal(family, living_open) == (
        f"{living_open.name} no longer wishes their family to talk with their twin while they live."
    )


def test_only_named_people_talk_when_so_wished(living_open, family, steward):
    wish(living_open, visitors=VisitorRule.NAMED, named=[family], talk_while_living=True)
    assert conversation_access(user=family, memorial_id=living_open.id).allowed
    assert refusal(steward, living_open) == (
        f"{living_open.name} has not named you among the people who may talk with their twin."
    )


def test_a_named_person_keeps_access_after_changing_their_email_address(living_open, family):
    wish(living_open, visitors=VisitorRule.NAMED, named=[family], talk_while_living=True)
    change_email(family, "a-new-address@example.org")
    assert conversation_access(user=family, memorial_id=living_open.id).allowed


def test_someone_who_takes_a_named_persons_old_address_is_not_them(living_open, family):
    # given the named person moved to a new address, and someone else joined with the old one
    wish(living_open, visitors=VisitorRule.NAMED, named=[family], talk_while_living=True)
    old_address = family.email
    change_email(family, "moved@example.org")
    newcomer = MembershipFactory(
        memorial=living_open, role=Role.FAMILY, user=UserFactory(email=old_address)
    ).user
    # then the newcomer is not named
    assert "has not named you" in refusal(newcomer, living_open)


# --- activated after death -------------------------------------------------------------


def test_after_death_family_and_stewards_talk_under_the_posthumous_consent(
    memorial, pending, second_steward, family
):
    activate_after_death(memorial, pending, second_steward)
    grant_consent(memorial, ConsentScope.CONVERSATION_POSTHUMOUS)
    for person in (family, second_steward):
        access = conversation_access(user=person, memorial_id=memorial.id)
        assert access.allowed and access.scope == ConsentScope.CONVERSATION_POSTHUMOUS


def test_after_death_without_the_posthumous_consent_nobody_talks(
    memorial, pending, second_steward, family
):
    grant_consent(memorial, ConsentScope.CONVERSATION_LIVING)  # not the one that counts now
    activate_after_death(memorial, pending, second_steward)
    assert refusal(family, memorial) == (
        f"{memorial.name} has not given their consent to conversations after their death."
    )


def test_a_memorial_opened_while_living_then_activated_after_death_needs_the_posthumous_consent(
    living_open, pending, second_steward, family
):
    activate_after_death(living_open, pending, second_steward)
    assert living_open.opened_while_living_at is None
    assert "after their death" in refusal(family, living_open)
    grant_consent(living_open, ConsentScope.CONVERSATION_POSTHUMOUS)
    assert conversation_access(user=family, memorial_id=living_open.id).allowed


def test_after_death_the_talk_while_living_wish_does_not_matter(
    memorial, pending, second_steward, family
):
    wish(memorial, talk_while_living=False)
    activate_after_death(memorial, pending, second_steward)
    grant_consent(memorial, ConsentScope.CONVERSATION_POSTHUMOUS)
    assert conversation_access(user=family, memorial_id=memorial.id).allowed


def test_a_closed_memorial_has_ended_its_conversations(memorial, pending, second_steward, family):
    activate_after_death(memorial, pending, second_steward)
    grant_consent(memorial, ConsentScope.CONVERSATION_POSTHUMOUS)
    memorial_transition(memorial=memorial, to=MemorialState.CLOSED)
    assert refusal(family, memorial) == (
        f"{memorial.name}'s memorial is closed: conversations with their twin have ended."
    )
    assert conversation_access(user=memorial.subject, memorial_id=memorial.id).allowed
