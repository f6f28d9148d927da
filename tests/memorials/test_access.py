import uuid

import pytest
from django.urls import reverse

from memorials.models import MemorialState, Role
from memorials.selectors import MemorialNotFound, memorial_get_for
from tests.accounts.factories import UserFactory
from tests.memorials.factories import InvitationFactory, MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db


def memorial_urls(memorial, invitation):
    """Every memorial page and action, with the method it answers to."""
    mid = memorial.id
    return [
        ("get", reverse("memorials:detail", args=[mid])),
        ("post", reverse("memorials:state", args=[mid])),
        ("post", reverse("memorials:invite", args=[mid])),
        ("post", reverse("memorials:invitation_cancel", args=[mid, invitation.id])),
    ]


def test_every_memorial_url_is_404_for_a_signed_in_stranger(client):
    # given a memorial and someone with no role in it
    memorial = MemorialFactory()
    invitation = InvitationFactory(memorial=memorial)
    client.force_login(UserFactory())
    # when / then: every page and action answers 404, never 403
    for method, url in memorial_urls(memorial, invitation):
        response = getattr(client, method)(url)
        assert response.status_code == 404, url


def test_memorial_urls_send_anonymous_visitors_to_sign_in(client):
    memorial = MemorialFactory()
    invitation = InvitationFactory(memorial=memorial)
    for method, url in memorial_urls(memorial, invitation):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_missing_memorial_looks_exactly_like_a_forbidden_one(client):
    client.force_login(UserFactory())
    missing = client.get(reverse("memorials:detail", args=[uuid.uuid4()]))
    forbidden = client.get(reverse("memorials:detail", args=[MemorialFactory().id]))
    assert missing.status_code == forbidden.status_code == 404


def test_family_sees_the_memorial_but_not_the_subjects_tools(client):
    membership = MembershipFactory(role=Role.FAMILY)
    client.force_login(membership.user)
    page = client.get(membership.memorial.get_absolute_url())
    assert page.status_code == 200
    assert membership.memorial.name in page.content.decode()
    assert "Invite someone" not in page.content.decode()
    assert "People" not in page.content.decode()
    invite = client.post(
        reverse("memorials:invite", args=[membership.memorial.id]),
        {"email": "x@example.org", "role": Role.FAMILY},
    )
    assert invite.status_code == 404


def test_steward_sees_the_people_but_cannot_invite(client):
    membership = MembershipFactory(role=Role.STEWARD)
    client.force_login(membership.user)
    page = client.get(membership.memorial.get_absolute_url()).content.decode()
    assert "People" in page
    assert membership.memorial.subject.email in page or str(membership.memorial.subject) in page
    assert "Invite someone" not in page


def test_memorial_get_for_narrows_by_role_and_hides_erased_memorials():
    membership = MembershipFactory(role=Role.FAMILY)
    user, memorial = membership.user, membership.memorial
    assert memorial_get_for(user=user, memorial_id=memorial.id).role == Role.FAMILY
    with pytest.raises(MemorialNotFound):
        memorial_get_for(user=user, memorial_id=memorial.id, roles=[Role.SUBJECT])
    memorial.state = MemorialState.ERASED
    memorial.save()
    with pytest.raises(MemorialNotFound):
        memorial_get_for(user=user, memorial_id=memorial.id)


def test_list_shows_only_my_memorials_in_a_fixed_number_of_queries(
    client, django_assert_num_queries
):
    me = UserFactory()
    mine = [MemorialFactory(subject=me), MembershipFactory(user=me).memorial]
    others = MemorialFactory()
    client.force_login(me)
    # session, user, memberships with their memorials, their keys (for their encrypted
    # names), and the certificates of what they erased: the same for 2 memorials or 200
    with django_assert_num_queries(5):
        page = client.get(reverse("memorials:list")).content.decode()
    for memorial in mine:
        assert memorial.name in page
    assert others.name not in page


def test_creating_a_memorial_makes_me_its_subject(client):
    me = UserFactory()
    client.force_login(me)
    response = client.post(reverse("memorials:new"), {"name": "Ada Byron"})
    memorial = me.memorials_of_self.get()
    assert response["Location"] == memorial.get_absolute_url()
    assert memorial.state == MemorialState.PRESERVING
    assert memorial.memberships.get().role == Role.SUBJECT
