"""A living subject opens their memorial to their family, and closes it again: the pages,
the services, their audit, and what family members see."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse

from conversations.access import conversation_access
from core.audit import audit_events_for
from core.consent import ConsentScope
from memorials.activation.approvals import activation_approve
from memorials.lifecycle import InvalidTransition
from memorials.models import MemorialState, Role, SunsetRule, VisitorRule
from memorials.opening import OpeningError, memorial_close_to_visitors, memorial_open_while_living
from memorials.services import memorial_transition
from memorials.wishes import wishes_update
from tests.consent.factories import grant_consent
from tests.memorials.factories import MembershipFactory, MemorialFactory
from tests.memorials.test_consumers import connected, session_cookie_for

pytestmark = pytest.mark.django_db


def wish(memorial, *, talk_while_living=True, visitors=VisitorRule.ALL_FAMILY):
    wishes_update(
        memorial=memorial,
        actor=memorial.subject,
        visitors=visitors,
        named_visitors=[],
        forbidden_topics=[],
        talk_while_living=talk_while_living,
        sunset=SunsetRule.NONE,
        sunset_years=None,
        sunset_on=None,
        ending="archive",
    )


@pytest.fixture
def ready(memorial, family):
    """A memorial whose subject wishes talk while living and signed its consent."""
    wish(memorial)
    grant_consent(memorial, ConsentScope.CONVERSATION_LIVING)
    return memorial


def actions(memorial):
    return [event.action for event in audit_events_for(memorial_id=memorial.id)]


# --- the pages -------------------------------------------------------------------------


def test_the_memorial_page_offers_the_subject_to_open_it(client, memorial):
    client.force_login(memorial.subject)
    page = client.get(memorial.get_absolute_url()).content.decode()
    assert "Talking with your family" in page
    assert reverse("memorials:open", args=[memorial.id]) in page


def test_the_confirmation_says_what_it_means_and_who_could_talk(client, ready, family, steward):
    client.force_login(ready.subject)
    page = client.get(reverse("memorials:open", args=[ready.id])).content.decode()
    assert "close it again at any time" in page
    assert f"{family} (family)" in page and f"{steward} (steward)" in page
    assert "Open my Legacy to my family" in page


def test_the_subject_opens_it_and_their_family_may_then_talk(
    client, ready, family, django_capture_on_commit_callbacks
):
    client.force_login(ready.subject)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("memorials:open", args=[ready.id]))
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.state == MemorialState.ACTIVE and ready.opened_while_living_at is not None
    assert len(callbacks) == 1  # the state event, to every member's open pages
    event = audit_events_for(memorial_id=ready.id)[0]
    assert (event.action, event.data["from"]) == ("memorial.opened_while_living", "preserving")
    assert conversation_access(user=family, memorial_id=ready.id).allowed
    page = client.get(ready.get_absolute_url()).content.decode()
    assert "Open since" in page and reverse("memorials:close", args=[ready.id]) in page


def test_when_the_wishes_do_not_allow_it_the_page_says_how_to_change_them(client, memorial):
    grant_consent(memorial, ConsentScope.CONVERSATION_LIVING)
    client.force_login(memorial.subject)
    url = reverse("memorials:open", args=[memorial.id])
    page = client.get(url).content.decode()
    assert "Your wishes say that nobody talks with your twin while you live" in page
    assert reverse("memorials:wishes", args=[memorial.id]) in page
    assert "Open my Legacy to my family" not in page
    response = client.post(url, follow=True)
    assert "nobody talks with your twin while you live" in response.content.decode()
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.PRESERVING
    assert "memorial.opened_while_living" not in actions(memorial)


def test_without_the_living_consent_the_page_points_to_it(client, memorial):
    wish(memorial)
    client.force_login(memorial.subject)
    page = client.get(reverse("memorials:open", args=[memorial.id])).content.decode()
    assert "You have not given your consent to “conversations while you live”" in page
    assert reverse("consent:overview", args=[memorial.id]) in page
    with pytest.raises(OpeningError, match="consent"):
        memorial_open_while_living(memorial=memorial, actor=memorial.subject)


def test_nobody_but_the_subject_opens_or_closes_it(client, ready, family, steward):
    for person in (family, steward):
        client.force_login(person)
        for name in ("memorials:open", "memorials:close"):
            assert client.post(reverse(name, args=[ready.id])).status_code == 404
        with pytest.raises(OpeningError, match="Only the person"):
            memorial_open_while_living(memorial=ready, actor=person)
    ready.refresh_from_db()
    assert ready.state == MemorialState.PRESERVING


def test_the_subject_closes_it_again_and_family_are_refused_once_more(client, ready, family):
    memorial_open_while_living(memorial=ready, actor=ready.subject)
    client.force_login(ready.subject)
    url = reverse("memorials:close", args=[ready.id])
    assert "sees their conversation end at once" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    ready.refresh_from_db()
    assert (ready.state, ready.opened_while_living_at) == (MemorialState.PRESERVING, None)
    assert actions(ready)[:2] == ["memorial.closed_to_visitors", "memorial.opened_while_living"]
    assert (
        "has not opened conversations with their twin"
        in conversation_access(user=family, memorial_id=ready.id).reason
    )


def test_a_sealed_memorial_can_be_opened_and_closes_back_to_preserving(ready):
    memorial_transition(memorial=ready, to=MemorialState.SEALED)
    memorial_open_while_living(memorial=ready, actor=ready.subject)
    assert audit_events_for(memorial_id=ready.id)[0].data["from"] == "sealed"
    memorial_close_to_visitors(memorial=ready, actor=ready.subject)
    assert ready.state == MemorialState.PRESERVING


def test_opening_twice_or_closing_what_is_not_open_is_refused(ready):
    with pytest.raises(OpeningError, match="not open"):
        memorial_close_to_visitors(memorial=ready, actor=ready.subject)
    memorial_open_while_living(memorial=ready, actor=ready.subject)
    with pytest.raises(OpeningError, match="already open"):
        memorial_open_while_living(memorial=ready, actor=ready.subject)


def test_the_seal_and_reopen_buttons_cannot_close_an_open_memorial(client, ready):
    memorial_open_while_living(memorial=ready, actor=ready.subject)
    client.force_login(ready.subject)
    client.post(reverse("memorials:state", args=[ready.id]), {"action": "reopen"})
    ready.refresh_from_db()
    assert ready.state == MemorialState.ACTIVE
    with pytest.raises(InvalidTransition):
        memorial_transition(memorial=ready, to=MemorialState.PRESERVING)


def test_after_an_activation_after_death_it_can_no_longer_be_closed_back(
    ready, pending, second_steward
):
    memorial_open_while_living(memorial=ready, actor=ready.subject)
    activation_approve(activation=pending, approver=second_steward)
    ready.refresh_from_db()
    assert ready.state == MemorialState.ACTIVE and ready.opened_while_living_at is None
    with pytest.raises(OpeningError, match="not open"):
        memorial_close_to_visitors(memorial=ready, actor=ready.subject)
    with pytest.raises(InvalidTransition):
        memorial_transition(memorial=ready, to=MemorialState.PRESERVING, while_living=True)


def test_a_memorial_activated_after_death_cannot_be_opened_as_if_living(
    memorial, pending, second_steward
):
    wish(memorial)
    grant_consent(memorial, ConsentScope.CONVERSATION_LIVING)
    activation_approve(activation=pending, approver=second_steward)
    memorial.refresh_from_db()
    with pytest.raises(OpeningError, match="cannot be opened"):
        memorial_open_while_living(memorial=memorial, actor=memorial.subject)
    assert memorial.opened_while_living_at is None


@database_sync_to_async
def opened_memorial_with_family():
    memorial = MemorialFactory()
    family = MembershipFactory(memorial=memorial, role=Role.FAMILY)
    wish(memorial)
    grant_consent(memorial, ConsentScope.CONVERSATION_LIVING)
    memorial_open_while_living(memorial=memorial, actor=memorial.subject)
    return memorial, family


@pytest.mark.django_db(transaction=True)
async def test_a_family_members_open_pages_hear_at_once_that_it_closed():
    # given a family member with the memorial open in their browser
    memorial, family = await opened_memorial_with_family()
    socket = await connected(memorial.id, await session_cookie_for(family.user))
    # when the subject closes it
    await database_sync_to_async(memorial_close_to_visitors)(
        memorial=memorial, actor=memorial.subject
    )
    # then their socket is told, and a conversation socket re-checking access is refused
    assert await socket.receive_json_from(timeout=5) == {
        "kind": "state",
        "data": {"state": "preserving"},
    }
    access = await database_sync_to_async(conversation_access)(
        user=family.user, memorial_id=memorial.id
    )
    assert not access.allowed
    await socket.disconnect()
