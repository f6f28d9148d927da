import itertools

import pytest
from django.db import IntegrityError

from memorials.lifecycle import ALLOWED_TRANSITIONS, InvalidTransition
from memorials.models import Memorial, MemorialState
from memorials.services import memorial_transition
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db

ALL_PAIRS = list(itertools.product(MemorialState.values, MemorialState.values))
INVALID = [(a, b) for a, b in ALL_PAIRS if b not in ALLOWED_TRANSITIONS[a]]
VALID = [(a, b) for a, b in ALL_PAIRS if b in ALLOWED_TRANSITIONS[a]]


@pytest.mark.parametrize(("current", "target"), INVALID)
def test_invalid_transitions_are_refused_and_change_nothing(current, target):
    memorial = MemorialFactory(state=current)
    with pytest.raises(InvalidTransition):
        memorial_transition(memorial=memorial, to=target)
    memorial.refresh_from_db()
    assert memorial.state == current


@pytest.mark.parametrize(("current", "target"), VALID)
def test_valid_transitions_are_applied(current, target):
    memorial = MemorialFactory(state=current)
    memorial_transition(memorial=memorial, to=target)
    memorial.refresh_from_db()
    assert memorial.state == target


def test_erased_is_final_and_the_path_is_the_designed_one():
    assert ALLOWED_TRANSITIONS[MemorialState.ERASED] == frozenset()
    memorial = MemorialFactory()
    for state in ["sealed", "active", "closed", "erased"]:
        memorial_transition(memorial=memorial, to=state)
    assert Memorial.objects.get(pk=memorial.pk).state == "erased"


def test_the_database_refuses_a_state_that_does_not_exist():
    memorial = MemorialFactory()
    with pytest.raises(IntegrityError):
        Memorial.objects.filter(pk=memorial.pk).update(state="resurrected")


def test_the_subject_seals_and_reopens_from_the_page(client):
    memorial = MemorialFactory()
    client.force_login(memorial.subject)
    client.post(f"/memorials/{memorial.id}/state/", {"action": "seal"})
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.SEALED
    client.post(f"/memorials/{memorial.id}/state/", {"action": "reopen"})
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.PRESERVING
