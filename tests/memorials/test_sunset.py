"""The sunset: the memorial closes on time, then is erased or kept as an archive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from core.audit import audit_events_for
from memorials import sunset as sunset_module
from memorials.activation.approvals import activation_approve
from memorials.models import (
    ActivationRequest,
    EndingRule,
    MemorialState,
    MemorialSunset,
    SunsetRule,
    VisitorRule,
)
from memorials.sunset import memorial_archive_kept, sunset_check, sunset_due_at
from memorials.wishes import wishes_update

pytestmark = pytest.mark.django_db


def wish(memorial, **changes):
    wishes_update(
        memorial=memorial,
        actor=memorial.subject,
        **{
            "visitors": VisitorRule.ALL_FAMILY, "named_visitors": [], "forbidden_topics": [],
            "talk_while_living": False, "sunset": SunsetRule.NONE, "sunset_years": None,
            "sunset_on": None, "ending": EndingRule.ARCHIVE, **changes,
        },
    )  # fmt: skip


@pytest.fixture
def activated(memorial, pending, second_steward):
    """Activated after death; returns the moment of approval."""
    activation = activation_approve(activation=pending, approver=second_steward)
    memorial.refresh_from_db()
    return activation.decided_at


def test_n_years_after_activation_the_memorial_closes_and_keeps_an_archive(memorial, activated):
    wish(memorial, sunset=SunsetRule.YEARS, sunset_years=2)
    due = sunset_due_at(memorial=memorial)
    assert due.year == activated.year + 2 and (due.month, due.day) == (
        activated.month, activated.day,
    )  # fmt: skip
    assert sunset_check(now=due - timedelta(minutes=1))["closed"] == 0
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.ACTIVE
    assert sunset_check(now=due)["closed"] == 1
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.CLOSED
    assert memorial_archive_kept(memorial=memorial)
    assert MemorialSunset.objects.get(memorial=memorial).erasure_requested_at is None
    assert sunset_check(now=due + timedelta(days=1))["closed"] == 0  # safe to run again
    event = audit_events_for(memorial_id=memorial.id)[0]
    assert (event.action, event.data) == ("sunset.closed", {"ending": "archive"})


def test_a_sunset_in_years_from_a_leap_day_falls_on_the_last_of_february(memorial, activated):
    ActivationRequest.objects.filter(memorial=memorial).update(
        decided_at=datetime(2024, 2, 29, 12, 0, tzinfo=UTC)
    )
    wish(memorial, sunset=SunsetRule.YEARS, sunset_years=1)
    assert sunset_due_at(memorial=memorial) == datetime(2025, 2, 28, 12, 0, tzinfo=UTC)


def test_a_date_sunset_closes_on_that_date(memorial, activated):
    on = timezone.localdate() + timedelta(days=30)
    wish(memorial, sunset=SunsetRule.DATE, sunset_on=on)
    day_before = timezone.make_aware(
        timezone.datetime.combine(on - timedelta(days=1), timezone.datetime.min.time())
    )
    assert sunset_check(now=day_before)["closed"] == 0
    assert sunset_check(now=day_before + timedelta(days=1))["closed"] == 1
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.CLOSED


def test_no_sunset_before_activation_after_death(memorial):
    wish(memorial, sunset=SunsetRule.YEARS, sunset_years=1)
    memorial.state = MemorialState.ACTIVE  # opened while the subject lives
    memorial.save()
    assert sunset_due_at(memorial=memorial) is None
    assert sunset_check(now=timezone.now() + timedelta(days=3650))["closed"] == 0


def test_erase_at_the_end_hands_over_to_the_kill_switch(memorial, activated, monkeypatch):
    wish(memorial, sunset=SunsetRule.YEARS, sunset_years=1, ending=EndingRule.ERASE)
    calls = []

    def failing_erase(*, memorial, actor=None):  # the kill switch fails this time
        calls.append(memorial.id)
        raise RuntimeError("the kill switch failed")

    monkeypatch.setattr(sunset_module, "memorial_sunset_erase", failing_erase)
    due = sunset_due_at(memorial=memorial)
    result = sunset_check(now=due)
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.CLOSED
    assert MemorialSunset.objects.get(memorial=memorial).erasure_requested_at == due
    assert calls == [memorial.id] and result["erased"] == 0 and result["failed"] == 1
    # while erasure is not done, every daily sweep tries again
    sunset_check(now=due + timedelta(days=1))
    assert calls == [memorial.id, memorial.id]


def test_the_erase_hook_erases_through_the_kill_switch(memorial, activated):
    wish(memorial, sunset=SunsetRule.YEARS, sunset_years=1, ending=EndingRule.ERASE)
    result = sunset_check(now=sunset_due_at(memorial=memorial))
    memorial.refresh_from_db()
    assert (memorial.state, result["erased"]) == (MemorialState.ERASED, 1)
