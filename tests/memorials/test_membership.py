"""The subject removes a steward or a family member: gone, audited, their key revoked."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from memorials.activation.keys import activation_key_get, activation_key_issue
from memorials.models import Membership, Role
from memorials.selectors import MemorialNotFound, memorial_get_for
from memorials.services import MembershipError, membership_remove
from tests.memorials.factories import MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db


def test_the_subject_removes_a_family_member_who_then_has_no_way_in():
    family = MembershipFactory(role=Role.FAMILY)
    memorial = family.memorial
    membership_remove(memorial=memorial, membership=family, actor=memorial.subject)
    assert not Membership.objects.filter(pk=family.pk).exists()
    with pytest.raises(MemorialNotFound):
        memorial_get_for(user=family.user, memorial_id=memorial.id)
    event = AuditEvent.objects.get(action="membership.removed")
    assert event.actor_ref == str(memorial.subject.pk)
    assert event.data == {"user": str(family.user_id), "role": "family"}


def test_a_removed_stewards_activation_key_is_revoked():
    steward = MembershipFactory(role=Role.STEWARD)
    memorial = steward.memorial
    activation_key_issue(memorial=memorial, steward=steward.user)
    membership_remove(memorial=memorial, membership=steward, actor=memorial.subject)
    assert activation_key_get(memorial_id=memorial.id, steward=steward.user) is None


def test_only_the_subject_may_remove_someone():
    steward = MembershipFactory(role=Role.STEWARD)
    family = MembershipFactory(memorial=steward.memorial, role=Role.FAMILY)
    with pytest.raises(MemorialNotFound):
        membership_remove(memorial=steward.memorial, membership=family, actor=steward.user)
    assert Membership.objects.filter(pk=family.pk).exists()
    assert not AuditEvent.objects.filter(action="membership.removed").exists()


def test_the_subject_cannot_be_removed_nor_someone_of_another_memorial():
    memorial = MemorialFactory()
    subject_membership = Membership.objects.get(memorial=memorial, role=Role.SUBJECT)
    with pytest.raises(MembershipError, match="yourself"):
        membership_remove(memorial=memorial, membership=subject_membership, actor=memorial.subject)
    other = MembershipFactory(role=Role.FAMILY)
    with pytest.raises(MembershipError):
        membership_remove(memorial=memorial, membership=other, actor=memorial.subject)
    assert Membership.objects.filter(pk__in=[subject_membership.pk, other.pk]).count() == 2


def test_the_subject_confirms_on_a_page_then_the_member_is_gone(client):
    family = MembershipFactory(role=Role.FAMILY)
    memorial = family.memorial
    client.force_login(memorial.subject)
    url = reverse("memorials:membership_remove", args=[memorial.id, family.user_id])
    # the memorial page offers it, and asking shows a confirmation, changing nothing
    assert url in client.get(memorial.get_absolute_url()).content.decode()
    page = client.get(url)
    assert page.status_code == 200 and b"lose access at once" in page.content
    assert Membership.objects.filter(pk=family.pk).exists()
    # confirming removes them
    response = client.post(url)
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=family.pk).exists()


def test_nobody_but_the_subject_reaches_the_removal_page(client):
    steward = MembershipFactory(role=Role.STEWARD)
    family = MembershipFactory(memorial=steward.memorial, role=Role.FAMILY)
    client.force_login(steward.user)
    url = reverse("memorials:membership_remove", args=[steward.memorial_id, family.user_id])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Membership.objects.filter(pk=family.pk).exists()
