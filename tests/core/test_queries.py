"""Querysets compiled once (`core.queries`): the kept SQL runs the same query as the queryset,
and a queryset whose SQL does not take its arguments in order is refused."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import F

from accounts.models import User
from core.queries import (
    compiled_objects,
    compiled_row,
    compiled_sql,
    compiled_update,
    model_from_row,
)
from memorials.models import Membership
from tests.accounts.factories import UserFactory
from tests.memorials.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _named(full_name: str, email: str):
    return User.objects.filter(full_name=full_name).filter(email=email).values("email")


def _twice(full_name: str):
    return User.objects.filter(full_name=full_name).exclude(email=full_name).values("email")


def test_the_kept_sql_runs_the_queryset_for_other_arguments():
    UserFactory(full_name="Ann Smith", email="ann@example.org")
    UserFactory(full_name="Ann Smith", email="other@example.org")
    sql = compiled_sql(_named, ("probe-name", "probe@example.org"))
    with connection.cursor() as cursor:
        cursor.execute(sql, ["Ann Smith", "ann@example.org"])
        found = cursor.fetchall()
    assert found == [("ann@example.org",)]
    assert found == [(row["email"],) for row in _named("Ann Smith", "ann@example.org")]


def test_a_queryset_that_does_not_take_its_arguments_in_order_is_refused():
    with pytest.raises(ImproperlyConfigured, match="cannot be compiled once"):
        compiled_sql(_twice, ("probe",))


def _membership_of(user_id):
    return Membership.objects.select_related("user").filter(user_id=user_id).order_by("pk")[:1]


def test_a_row_becomes_the_model_and_its_selected_relation():
    member = MembershipFactory(user__full_name="Lucy Smith")
    probe = uuid.UUID(int=0)
    row = compiled_row(_membership_of, (probe,), [member.user_id])
    assert compiled_row(_membership_of, (probe,), [uuid.UUID(int=7)]) is None
    membership = model_from_row(Membership, row)
    user = model_from_row(User, row[len(Membership._meta.concrete_fields) :])
    assert (membership.pk, membership.role, membership.memorial_id) == (
        member.pk, member.role, member.memorial_id,
    )  # fmt: skip
    assert (user.pk, user.full_name, user.email) == (
        member.user_id, "Lucy Smith", member.user.email,
    )  # fmt: skip


def _memberships_named(full_name):
    return (
        Membership.objects.select_related("user", "memorial")
        .annotate(email_kept=F("user__email"))
        .filter(user__full_name=full_name)
        .order_by("pk")
    )


def test_objects_come_back_as_the_queryset_makes_them_with_relations_and_annotations():
    first = MembershipFactory(user__full_name="Rose Smith")
    second = MembershipFactory(user__full_name="Rose Smith")
    MembershipFactory(user__full_name="Someone Else")

    found = compiled_objects(_memberships_named, ("probe-name",), ["Rose Smith"])
    expected = list(_memberships_named("Rose Smith"))

    assert [m.pk for m in found] == [first.pk, second.pk] == [m.pk for m in expected]
    for got, want in zip(found, expected, strict=True):
        assert (got.user.email, got.memorial.name, got.email_kept) == (
            want.user.email, want.memorial.name, want.user.email,
        )  # fmt: skip
        assert got.created_at == want.created_at and got.created_at.tzinfo is not None
    assert compiled_objects(_memberships_named, ("probe-name",), ["Nobody"]) == []


def test_a_queryset_of_values_cannot_become_objects():
    with pytest.raises(ImproperlyConfigured, match="plain model queryset"):
        compiled_objects(_named, ("probe-name", "probe@example.org"), ["a", "b"])


def _renamed(full_name, user_id):
    return User.objects.filter(pk=user_id), {"full_name": full_name}


def _renamed_backwards(user_id, full_name):
    return User.objects.filter(pk=user_id), {"full_name": full_name}


def test_an_update_runs_as_the_queryset_would_and_counts_its_rows():
    ann = UserFactory(full_name="Ann Smith")
    other = UserFactory(full_name="Bob Jones")
    probes = ("probe-name", uuid.UUID(int=0))

    assert compiled_update(_renamed, probes, ["Ann Jones", ann.pk]) == 1
    assert compiled_update(_renamed, probes, ["Nobody", uuid.UUID(int=7)]) == 0

    ann.refresh_from_db()
    other.refresh_from_db()
    assert (ann.full_name, other.full_name) == ("Ann Jones", "Bob Jones")
    with pytest.raises(ImproperlyConfigured, match="cannot be compiled once"):
        compiled_update(_renamed_backwards, (uuid.UUID(int=0), "probe-name"), [ann.pk, "X"])
