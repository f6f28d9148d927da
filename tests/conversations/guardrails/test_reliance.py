"""Reliance: phrases counted (never kept), the weekly trend from message times shown to
stewards without contents, and a steward alert when it rises sharply, at most once a week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from conversations.guardrails.reliance import (
    reliance_note,
    reliance_phrases,
    reliance_review,
    reliance_trend,
    trend_rising,
)
from conversations.models import AlertKind, SafetyAlert
from memorials.models import Role
from tests.conversations.guardrails.helpers import messages_at, move_time
from tests.memorials.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "I can't go on without talking to you",
        "You're the only one I can talk to now",
        "honestly I talk to you every day",
        "I don\u2019t know what I\u2019d do without you",  # typographic apostrophes
        "nobody understands me like you do",
    ],
)
def test_reliance_phrases_are_found(text):
    assert reliance_phrases(text) >= 1


@pytest.mark.parametrize(
    "text",
    [
        "I miss you so much",
        "this week is killing me",
        "I can't find your lasagne recipe",
        "Mum says you were the only one who could fix the boiler",
        "I talked to Dad about you today",
    ],
)
def test_ordinary_grief_talk_is_not_counted(text):
    assert reliance_phrases(text) == 0


def a_visit(start: datetime, minutes: int) -> list[datetime]:
    return [start + timedelta(minutes=m) for m in range(0, minutes + 1, 10)]


def test_the_trend_counts_visits_minutes_late_nights_and_phrases(memorial, family):
    # given a quiet visit five weeks ago, and this week two long late-night visits
    messages_at(memorial, family, a_visit(NOW - timedelta(weeks=5, days=1), 20))
    late = NOW - timedelta(days=2) + timedelta(hours=5, minutes=10)  # 23:10
    messages_at(memorial, family, a_visit(late, 60))
    messages_at(memorial, family, a_visit(NOW - timedelta(days=1, hours=-6), 60))
    reliance_note(
        memorial_id=memorial.id, visitor_id=family.pk, text="I can't go on without you", now=NOW
    )
    reliance_note(memorial_id=memorial.id, visitor_id=family.pk, text="Lovely weather", now=NOW)
    weeks = reliance_trend(memorial_id=memorial.id, visitor_id=family.pk, now=NOW)
    assert len(weeks) == 6
    assert [(w.visits, w.minutes) for w in weeks] == [
        (1, 22), (0, 0), (0, 0), (0, 0), (0, 0), (2, 124),
    ]  # fmt: skip
    assert weeks[-1].late_share == 1.0 and weeks[-1].phrases == 1
    assert trend_rising(weeks)


def test_a_sharp_rise_alerts_the_stewards_once_a_week_without_words(
    memorial, family, mailoutbox, monkeypatch
):
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD)
    messages_at(memorial, family, a_visit(NOW - timedelta(days=1), 90))
    move_time(monkeypatch, NOW)
    alert = reliance_review(memorial_id=memorial.id, visitor_id=family.pk)
    assert alert is not None and alert.kind == AlertKind.RELIANCE and not alert.content_shared
    assert [mail.to for mail in mailoutbox] == [[steward.user.email]]
    assert "a private word" not in mailoutbox[0].body  # what was said is never in it
    # the same week again: no second alert
    move_time(monkeypatch, NOW + timedelta(days=6))
    messages_at(memorial, family, a_visit(NOW + timedelta(days=5), 90))
    assert reliance_review(memorial_id=memorial.id, visitor_id=family.pk) is None
    # a week later, still rising: one more
    move_time(monkeypatch, NOW + timedelta(days=7, hours=1))
    messages_at(memorial, family, a_visit(NOW + timedelta(days=7), 90))
    assert reliance_review(memorial_id=memorial.id, visitor_id=family.pk) is not None
    assert SafetyAlert.objects.filter(kind=AlertKind.RELIANCE).count() == 2


def test_an_ordinary_week_raises_nothing(memorial, family, monkeypatch):
    MembershipFactory(memorial=memorial, role=Role.STEWARD)
    for week in range(6):
        messages_at(memorial, family, a_visit(NOW - timedelta(weeks=week, hours=6), 30))
    move_time(monkeypatch, NOW)
    assert reliance_review(memorial_id=memorial.id, visitor_id=family.pk) is None


def test_stewards_see_the_trend_and_grief_support_but_never_the_words(
    client, memorial, family, monkeypatch
):
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD)
    messages_at(memorial, family, a_visit(NOW - timedelta(days=1), 90))
    reliance_note(
        memorial_id=memorial.id,
        visitor_id=family.pk,
        text="you're the only one I can talk to",
        now=NOW,
    )
    move_time(monkeypatch, NOW)
    client.force_login(steward.user)
    page = client.get(reverse("conversations:visitors_time", args=[memorial.id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-visitor="{family.pk}"' in html and "data-rising" in html
    assert "Cruse Bereavement Support" in html and "GriefShare" in html
    assert "<td>92</td>" in html  # this week's minutes, in words as well as bars
    assert "a private word" not in html and "only one I can talk to" not in html


def test_only_stewards_open_the_visitors_time_page(client, memorial, family):
    client.force_login(family)
    assert client.get(reverse("conversations:visitors_time", args=[memorial.id])).status_code == 404


def test_late_at_night_is_on_the_visitors_own_clock(memorial, family, settings):
    """Visits at 13:00-14:00 UTC are the middle of the night in Sydney, an afternoon in
    London: only the Sydney visitor's week reads as late."""
    settings.TIME_ZONE = "UTC"
    messages_at(memorial, family, a_visit(NOW - timedelta(days=1, hours=5), 60))  # 13:00 UTC
    sydney = reliance_trend(
        memorial_id=memorial.id, visitor_id=family.pk, now=NOW, zone=ZoneInfo("Australia/Sydney")
    )
    london = reliance_trend(
        memorial_id=memorial.id, visitor_id=family.pk, now=NOW, zone=ZoneInfo("Europe/London")
    )
    assert sydney[-1].late_share == 1.0 and london[-1].late_share == 0.0
