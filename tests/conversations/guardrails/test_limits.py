"""The limits themselves: defaults and a steward's choices, quiet hours that wrap midnight,
visits read from message times, and the day's time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations.guardrails.limits import (
    Visit,
    break_mark,
    duration_words,
    in_quiet_hours,
    limits_default,
    limits_effective,
    message_times,
    seconds_today,
    time_state,
    visit_limits_set,
    visits_from,
    visits_since,
)
from memorials.models import AgeGroup, Role
from tests.conversations.guardrails.helpers import messages_at
from tests.memorials.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def at(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def test_the_defaults_are_gentle_and_stricter_under_18():
    adult, minor = limits_default(minor=False), limits_default(minor=True)
    assert (adult.session_minutes, adult.daily_minutes, adult.break_minutes) == (60, 120, 30)
    assert adult.quiet_start is None
    assert (minor.session_minutes, minor.daily_minutes, minor.break_minutes) == (20, 40, 15)
    assert (minor.quiet_start, minor.quiet_end) == (time(21), time(7))


def test_the_defaults_come_from_settings(settings):
    settings.LEGACY_LIMITS_ADULT_SESSION_MINUTES = 45
    settings.LEGACY_LIMITS_ADULT_QUIET_HOURS = "23:30-06:00"
    adult = limits_default(minor=False)
    assert adult.session_minutes == 45
    assert (adult.quiet_start, adult.quiet_end) == (time(23, 30), time(6))


@pytest.mark.parametrize(
    ("start", "end", "now", "quiet"),
    [
        (time(21), time(7), at(22, 30), True),
        (time(21), time(7), at(3), True),
        (time(21), time(7), at(7), False),
        (time(21), time(7), at(12), False),
        (time(21), time(7), at(21), True),
        (time(13), time(14), at(13, 30), True),
        (time(13), time(14), at(14, 0), False),
    ],
)
def test_quiet_hours_wrap_midnight(start, end, now, quiet):
    limits = limits_default(minor=False).__class__(60, 120, 30, start, end)
    assert in_quiet_hours(limits=limits, now=now) is quiet


def test_a_stewards_choices_replace_the_defaults_they_set_and_equal_times_lift_quiet_hours():
    membership = MembershipFactory(role=Role.FAMILY, age_group=AgeGroup.MINOR)
    steward = MembershipFactory(memorial=membership.memorial, role=Role.STEWARD)
    visit_limits_set(
        steward=steward, visitor=membership, session_minutes=30, daily_minutes=None,
        break_minutes=0, quiet_start=time(0), quiet_end=time(0),
    )  # fmt: skip
    limits = limits_effective(membership=membership)
    assert (limits.session_minutes, limits.daily_minutes, limits.break_minutes) == (30, 40, 0)
    assert limits.quiet_start is None and limits.minor
    assert break_mark(limits=limits, visit_seconds=3600) == 0  # 0: no reminders


def test_only_a_steward_of_the_memorial_sets_a_visitors_time():
    membership = MembershipFactory(role=Role.FAMILY)
    other_family = MembershipFactory(memorial=membership.memorial, role=Role.FAMILY)
    with pytest.raises(ValueError):
        visit_limits_set(
            steward=other_family, visitor=membership, session_minutes=5, daily_minutes=None,
            break_minutes=None, quiet_start=None, quiet_end=None,
        )  # fmt: skip


def test_a_pause_of_half_an_hour_starts_a_new_visit():
    times = [at(10), at(10, 20), at(10, 49), at(11, 30), at(11, 40)]
    visits = visits_from(times, now=at(12))
    assert [(v.start, v.end) for v in visits] == [
        (at(10), at(10, 51)),  # the last message, plus two minutes to read it
        (at(11, 30), at(11, 42)),
    ]


@pytest.mark.parametrize(
    ("minutes", "count"),
    [
        ([], 0),
        ([0], 0),  # before `since`
        ([0, 29, 29, 59, 89, 90], 3),  # a pause of exactly 30 minutes starts a visit; ties
        ([0, 10, 40, 41, 120, 121, 122, 200], 4),
        ([5, 70, 71, 140, 600, 601], 4),
    ],
)
def test_visits_found_by_the_database_are_those_read_from_the_message_times(minutes, count):
    membership = MembershipFactory(role=Role.FAMILY)
    other = MembershipFactory(memorial=membership.memorial, role=Role.FAMILY)
    times = [at(8) + timedelta(minutes=m) for m in minutes]
    messages_at(membership.memorial, membership.user, times)
    messages_at(membership.memorial, other.user, [at(8, 15), at(8, 45)])  # not theirs
    now, since = at(18), at(8, 1)
    keys = {"memorial_id": membership.memorial_id, "visitor_id": membership.user_id}
    expected = visits_from(message_times(**keys, since=since, now=now), now=now)
    assert len(expected) == count
    assert visits_since(**keys, since=since, now=now) == expected


def test_the_days_time_counts_only_today():
    visits = [Visit(at(23, 30, day=1), at(0, 30)), Visit(at(9), at(10))]
    assert seconds_today(visits=visits, now=at(12)) == 90 * 60


def test_time_state_reads_the_visit_so_far_and_stops_at_its_length():
    membership = MembershipFactory(role=Role.FAMILY)
    messages_at(
        membership.memorial,
        membership.user,
        [at(10) + timedelta(minutes=m) for m in range(0, 60, 10)],
    )
    assert time_state(membership=membership, now=at(10, 55)).stop is None
    stopped = time_state(membership=membership, now=at(11, 0))
    assert stopped.stop is not None and stopped.stop.kind == "session_limit"
    assert "an hour" in stopped.stop.text and "come back" not in stopped.stop.text.lower()
    assert time_state(membership=membership, now=at(11, 31)).stop is None  # rested


def test_durations_read_as_people_say_them():
    assert duration_words(30) == "half an hour"
    assert duration_words(60) == "an hour"
    assert duration_words(90) == "an hour and a half"
    assert duration_words(120) == "two hours"
    assert duration_words(15) == "15 minutes"


def test_quiet_hours_and_the_day_are_read_on_the_visitors_own_clock(settings):
    """A daughter in Sydney and a son in London keep the same quiet hours (21:00 to 07:00)
    in their own evenings, whatever the site's time zone."""
    settings.TIME_ZONE = "UTC"
    quiet = limits_default(minor=False).__class__(60, 120, 30, time(21), time(7))
    sydney, london = ZoneInfo("Australia/Sydney"), ZoneInfo("Europe/London")
    noon_utc = at(12)  # 23:00 in Sydney (summer time), 12:00 in London
    assert in_quiet_hours(limits=quiet, now=noon_utc, zone=sydney)
    assert not in_quiet_hours(limits=quiet, now=noon_utc, zone=london)
    assert not in_quiet_hours(limits=quiet, now=noon_utc)  # not known: the site's clock
    # the day starts at the visitor's midnight: 13:00 UTC on the 1st is midnight in Sydney
    visits = [Visit(at(12, 0, day=1), at(14, 0, day=1))]
    assert seconds_today(visits=visits, now=at(15, day=1), zone=sydney) == 60 * 60
    assert seconds_today(visits=visits, now=at(15, day=1)) == 2 * 60 * 60


def test_a_visitors_time_zone_reaches_their_time_check(settings):
    from conversations.access import conversation_access, conversation_time_check
    from memorials.opening import memorial_open_while_living
    from memorials.wishes import wishes_update
    from tests.consent.factories import grant_consent

    settings.TIME_ZONE = "UTC"
    membership = MembershipFactory(role=Role.FAMILY, age_group=AgeGroup.ADULT)
    memorial = membership.memorial
    wishes_update(
        memorial=memorial, actor=memorial.subject, visitors="all_family", named_visitors=[],
        forbidden_topics=[], talk_while_living=True, sunset="none", sunset_years=None,
        sunset_on=None, ending="archive",
    )  # fmt: skip
    grant_consent(memorial, "corpus")
    grant_consent(memorial, "conversation_living")
    memorial_open_while_living(memorial=memorial, actor=memorial.subject)
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD)
    visit_limits_set(
        steward=steward, visitor=membership, session_minutes=None, daily_minutes=None,
        break_minutes=None, quiet_start=time(21), quiet_end=time(7),
    )  # fmt: skip
    membership.user.time_zone = "Australia/Sydney"
    membership.user.save(update_fields=["time_zone"])
    access = conversation_access(user=membership.user, memorial_id=memorial.id)
    assert access.allowed, access.reason
    state = conversation_time_check(access=access, now=at(12))  # 23:00 in Sydney
    assert state is not None and state.stop is not None and state.stop.kind == "quiet_hours"
