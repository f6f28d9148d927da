"""The subject's wishes: set by them, read by stewards. (Who may talk under them is
`conversations.access`, tested in tests/conversations/test_access.py.)"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_events_for
from memorials.models import Membership, MemorialWishes, Role, SunsetRule, VisitorRule
from memorials.services import invitation_accept
from memorials.wishes import (
    WishesError,
    forbidden_topics,
    wishes_get,
    wishes_name_membership,
    wishes_named_keys,
    wishes_named_labels,
    wishes_update,
)
from tests.accounts.factories import UserFactory
from tests.memorials.factories import InvitationFactory, MembershipFactory, MemorialFactory

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


def member_key(memorial, user):
    """The wishes form's key for this member of the memorial."""
    return f"member:{Membership.objects.get(memorial=memorial, user=user).pk}"


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
        named_visitors=[member_key(memorial, family)],
        forbidden_topics=["  my  divorce ", "Money", "money", ""],
        sunset=SunsetRule.YEARS,
        sunset_years=5,
    )
    wishes = wishes_get(memorial_id=memorial.id)
    assert wishes_named_labels(wishes=wishes) == [f"{family} (family)"]
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
    actions = [e.action for e in audit_events_for(memorial_id=memorial.id)]
    assert actions == ["wishes.changed", "memorial.created"]


def test_only_the_memorials_own_family_and_stewards_can_be_named(memorial, family):
    outsider = MembershipFactory(memorial=MemorialFactory(), role=Role.FAMILY)
    for key in [f"member:{outsider.pk}", "member:not-a-number", "stranger@example.org"]:
        with pytest.raises(WishesError, match="no longer among your family"):
            update(memorial, visitors=VisitorRule.NAMED, named_visitors=[key])
    assert not MemorialWishes.objects.filter(memorial=memorial).exists()


def test_a_named_person_stays_named_when_their_email_address_changes(memorial, family):
    update(memorial, visitors=VisitorRule.NAMED, named_visitors=[member_key(memorial, family)])
    family.email = "new-address@example.org"
    family.save()
    membership = Membership.objects.get(memorial=memorial, user=family)
    assert wishes_name_membership(wishes=wishes_get(memorial_id=memorial.id), membership=membership)


def test_a_removed_member_is_no_longer_named(memorial, family):
    update(memorial, visitors=VisitorRule.NAMED, named_visitors=[member_key(memorial, family)])
    Membership.objects.get(memorial=memorial, user=family).delete()
    assert wishes_named_labels(wishes=wishes_get(memorial_id=memorial.id)) == []


def test_an_invitee_named_before_joining_is_named_by_membership_once_they_accept(memorial):
    # given a cousin invited, not yet joined, and named
    token = "token-cousin-abcdefghijklmnop"
    invitation = InvitationFactory(memorial=memorial, email="cousin@example.org", token=token)
    update(memorial, visitors=VisitorRule.NAMED, named_visitors=[f"invitation:{invitation.pk}"])
    wishes = wishes_get(memorial_id=memorial.id)
    assert wishes_named_labels(wishes=wishes) == ["cousin@example.org (invited as family)"]
    # when they accept with that address
    cousin = UserFactory(email="cousin@example.org", full_name="Cousin Ray")
    membership = invitation_accept(token=token, user=cousin, age_group="adult")
    # then the wishes name their membership, and no longer the invitation
    assert wishes_name_membership(wishes=wishes, membership=membership)
    assert wishes_named_keys(wishes=wishes) == [f"member:{membership.pk}"]


def test_a_withdrawn_invitation_cannot_be_named(memorial):
    invitation = InvitationFactory(memorial=memorial, revoked_at=timezone.now())
    with pytest.raises(WishesError, match="invitation has ended"):
        update(memorial, visitors=VisitorRule.NAMED, named_visitors=[f"invitation:{invitation.pk}"])


def test_names_are_forgotten_when_everyone_may_talk(memorial, family):
    update(memorial, visitors=VisitorRule.NAMED, named_visitors=[member_key(memorial, family)])
    update(memorial, visitors=VisitorRule.ALL_FAMILY, named_visitors=[member_key(memorial, family)])
    assert wishes_named_keys(wishes=wishes_get(memorial_id=memorial.id)) == []


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


# --- the pages -------------------------------------------------------------------------


def test_the_subject_edits_wishes_through_the_form(client, memorial, family):
    client.force_login(memorial.subject)
    url = reverse("memorials:wishes", args=[memorial.id])
    page = client.get(url).content.decode()
    assert f"{family} (family)" in page  # nameable
    sunset_on = (timezone.localdate() + timedelta(days=400)).isoformat()
    response = client.post(
        url,
        {
            "visitors": "named",
            "named_visitors": [member_key(memorial, family)],
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
    assert wishes_named_labels(wishes=wishes) == [f"{family} (family)"]
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
