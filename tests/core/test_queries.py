"""Querysets compiled once (`core.queries`): the kept SQL runs the same query as the queryset,
and a queryset whose SQL does not take its arguments in order is refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from accounts.models import User
from core.queries import compiled_sql
from tests.accounts.factories import UserFactory

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
