"""The subject's wishes: set by them, read by stewards, obeyed by `visitor_may_talk`."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_events_for
from core.consent import ConsentScope
from memorials.activation.approvals import activation_approve
from memorials.models import MemorialState, MemorialWishes, Role, SunsetRule, VisitorRule
from memorials.wishes import (
    WishesError,
    forbidden_topics,
    visitor_may_talk,
    visitor_talk_refusal,
    wishes_get,
    wishes_update,
)
from tests.accounts.factories import UserFactory
from tests.consent.factories import grant_consent
from tests.memorials.factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "visitors": VisitorRule.ALL_FAMILY,
    "named_visitors": [],
    "forbidden_topics": [],
    "talk_while_living": False,
    "sunset": SunsetRule.NONE,
    "sunset_years": None,
    "sunset_on": None,
    "ending": "archive",
}


def update(memorial, **changes):
    return wishes_update(memorial=memorial, actor=memorial.subject, **{**DEFAULTS, **changes})


def test_without_wishes_the_defaults_hold(memorial):
    wishes = wishes_get(memorial_id=memorial.id)
    assert wishes.pk is None
    assert (wishes.visitors, wishes.talk_while_living, wishes.sunset, wishes.ending) == (
        VisitorRule.ALL_FAMILY, False, SunsetRule.NONE, "archive",
    )  # fmt: skip
    assert forbidden_topics(memorial_id=memorial.id) == []


def test_the_subject_sets_wishes_and_the_change_is_audited_without_content(memorial, family):
    update(
        memorial,
        visitors=VisitorRule.NAMED,
        named_visitors=[family.email.upper()],
        forbidden_topics=["  my  divorce ", "Money", "money", ""],
        sunset=SunsetRule.YEARS,
        sunset_years=5,
    )
    wishes = wishes_get(memorial_id=memorial.id)
    assert wishes.named_visitors == [family.email]
    assert forbidden_topics(memorial_id=memorial.id) == ["my divorce", "Money"]
    assert wishes.sunset_years == 5
    event = audit_events_for(memorial_id=memorial.id)[0]
    assert event.action == "wishes.changed"
    assert sorted(event.data["fields"]) == sorted(
        ["visitors", "named_visitors", "forbidden_topics", "sunset", "sunset_years"]
    )
    assert "divorce" not in str(event.data) and family.email not in str(event.data)


def test_saving_the_same_wishes_again_records_nothing(memorial):
    update(memorial, talk_while_living=True)
    update(memorial, talk_while_living=True)
    assert [e.action for e in audit_events_for(memorial_id=memorial.id)] == ["wishes.changed"]


def test_only_invited_people_can_be_named(memorial):
    with pytest.raises(WishesError, match="not among your family"):
        update(memorial, visitors=VisitorRule.NAMED, named_visitors=["stranger@example.org"])
    invitation = InvitationFactory(memorial=memorial, email="cousin@example.org")
    update(memorial, visitors=VisitorRule.NAMED, named_visitors=[invitation.email])
    assert wishes_get(memorial_id=memorial.id).named_visitors == ["cousin@example.org"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sunset": SunsetRule.YEARS}, "number of years"),
        ({"sunset": SunsetRule.YEARS, "sunset_years": 0}, "number of years"),
        ({"sunset": SunsetRule.DATE, "sunset_on": date(2000, 1, 1)}, "future"),
        ({"forbidden_topics": ["x" * 201]}, "under 200"),
        ({"forbidden_topics": [f"topic {n}" for n in range(51)]}, "at most 50"),
        ({"ending": "explode"}, "options"),
    ],
)
def test_unclear_wishes_are_refused(memorial, changes, message):
    with pytest.raises(WishesError, match=message):
        update(memorial, **changes)
    assert not MemorialWishes.objects.filter(memorial=memorial).exists()


def test_nobody_but_the_subject_sets_wishes(memorial, steward):
    with pytest.raises(WishesError):
        wishes_update(memorial=memorial, actor=steward, **DEFAULTS)


# --- who may talk ----------------------------------------------------------------------


def activate_after_death(memorial, pending, second_steward):
    activation_approve(activation=pending, approver=second_steward)
    memorial.refresh_from_db()
    grant_consent(memorial, ConsentScope.CONVERSATION_POSTHUMOUS)


def test_after_death_all_family_may_talk_and_strangers_not(
    memorial, pending, second_steward, family
):
    assert not visitor_may_talk(memorial=memorial, user=family)  # not active yet
    activate_after_death(memorial, pending, second_steward)
    assert visitor_may_talk(memorial=memorial, user=family)
    assert visitor_may_talk(memorial=memorial, user=second_steward)
    assert not visitor_may_talk(memorial=memorial, user=UserFactory())


def test_after_death_only_named_people_when_so_wished(memorial, pending, second_steward, family):
    other = MembershipFactory(memorial=memorial, role=Role.FAMILY).user
    update(memorial, visitors=VisitorRule.NAMED, named_visitors=[family.email])
    activate_after_death(memorial, pending, second_steward)
    assert visitor_may_talk(memorial=memorial, user=family)
    assert "only the people they named" in visitor_talk_refusal(memorial=memorial, user=other)


def test_while_alive_family_talks_only_if_wished_and_consented(memorial, family):
    memorial.state = MemorialState.ACTIVE  # opened while the subject lives
    memorial.save()
    assert "while they live" in visitor_talk_refusal(memorial=memorial, user=family)
    update(memorial, talk_while_living=True)
    assert "consent" in visitor_talk_refusal(memorial=memorial, user=family)
    grant_consent(memorial, ConsentScope.CONVERSATION_LIVING)
    assert visitor_may_talk(memorial=memorial, user=family)


def test_without_posthumous_consent_nobody_visits(memorial, pending, second_steward, family):
    activation_approve(activation=pending, approver=second_steward)
    memorial.refresh_from_db()
    assert "consent" in visitor_talk_refusal(memorial=memorial, user=family)


def test_the_subject_previews_until_the_memorial_closes(memorial):
    assert visitor_may_talk(memorial=memorial, user=memorial.subject)
    memorial.state = MemorialState.CLOSED
    assert not visitor_may_talk(memorial=memorial, user=memorial.subject)


# --- the pages -------------------------------------------------------------------------


def test_the_subject_edits_wishes_through_the_form(client, memorial, family):
    client.force_login(memorial.subject)
    url = reverse("memorials:wishes", args=[memorial.id])
    page = client.get(url).content.decode()
    assert family.email in page  # nameable
    sunset_on = (timezone.localdate() + timedelta(days=400)).isoformat()
    response = client.post(
        url,
        {
            "visitors": "named",
            "named_visitors": [family.email],
            "forbidden_topics": "the accident\npolitics",
            "talk_while_living": "on",
            "sunset": "date",
            "sunset_on": sunset_on,
            "ending": "erase",
        },
    )
    assert response.status_code == 302
    wishes = wishes_get(memorial_id=memorial.id)
    assert wishes.forbidden_topics == ["the accident", "politics"]
    assert (wishes.talk_while_living, wishes.sunset_on.isoformat(), wishes.ending) == (
        True, sunset_on, "erase",
    )  # fmt: skip


def test_a_form_error_is_shown_not_saved(client, memorial):
    client.force_login(memorial.subject)
    url = reverse("memorials:wishes", args=[memorial.id])
    response = client.post(url, {"visitors": "all_family", "sunset": "years", "ending": "archive"})
    assert response.status_code == 400
    assert "number of years" in response.content.decode()
    assert not MemorialWishes.objects.filter(memorial=memorial).exists()


def test_stewards_read_the_wishes_but_cannot_change_them(client, memorial, steward):
    update(memorial, forbidden_topics=["the old house"])
    client.force_login(steward)
    url = reverse("memorials:wishes", args=[memorial.id])
    page = client.get(url).content.decode()
    assert "the old house" in page and "<form" not in page.split("<main")[1]
    form = {"visitors": "all_family", "sunset": "none", "ending": "archive"}
    assert client.post(url, form).status_code == 404
    assert forbidden_topics(memorial_id=memorial.id) == ["the old house"]


def test_family_and_strangers_get_404_on_wishes(client, memorial, family):
    url = reverse("memorials:wishes", args=[memorial.id])
    for person in (family, UserFactory()):
        client.force_login(person)
        assert client.get(url).status_code == 404
