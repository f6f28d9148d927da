"""Emotional reliance: a weekly trend per visitor for the stewards, never the words.

What is read, all content-free: when the visitor's conversation had messages (visits per
week, minutes, the share of messages between 23:00 and 05:00 on the visitor's own clock), and
how many of the visitor's messages matched a reliance phrase ("I can't go on without talking
to you"). A phrase is checked when the message arrives (`reliance_note`) and only a count is
kept, per visitor and day (the site's day), in the cache (Redis) for seven weeks; the message
itself is never read again for this. Weeks are the last seven days and the five seven-day
spans before them (phrase counts by the days they cover).

When the latest week rises sharply above the weeks before it (`trend_rising`), the stewards
get a `SafetyAlert(kind="reliance")` and a mail saying so, at most once a week per visitor
(`reliance_review`, after each visit). The stewards' page suggests grief support, in plain
words (`GRIEF_SUPPORT`)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import user_zone
from conversations.guardrails.alerts import alert_mail_stewards
from conversations.guardrails.limits import (
    Limits,
    limits_default,
    limits_effective,
    message_times,
    visits_from,
)
from conversations.models import AlertKind, SafetyAlert, VisitLimits
from memorials.models import AgeGroup, Membership, Role

WEEKS = 6
LATE_START, LATE_END = time(23, 0), time(5, 0)
KEPT = timedelta(weeks=WEEKS + 1)
ALERT_EVERY = timedelta(days=7)

# Phrases of leaning on the twin as on a living person, written generally (a few words may
# sit between the parts). They are counted, never stored.
_PHRASES = [
    r"\bcan(?:no|')?t\s+(?:go\s+on|cope|live|manage|get\s+through\s+\w+)\s+without\s+"
    r"(?:\w+\s+){0,2}(?:you|this|these|talking)",
    r"\b(?:you'?re|you\s+are)\s+(?:the\s+)?only\s+(?:one|person)\s+(?:\w+\s+){0,3}"
    r"(?:talk|listen|understand|turn)",
    r"\bonly\s+(?:one|person)\s+i\s+(?:can\s+)?(?:talk|turn)\s+to\b",
    r"\bi\s+(?:talk|speak)\s+to\s+you\s+every\s+(?:day|night|morning|hour)",
    r"\bdon'?t\s+know\s+what\s+i'?d\s+do\s+without\s+(?:you|this|these)",
    r"\bcan(?:no|')?t\s+stop\s+(?:talking|coming\s+back)\s+to\s+you",
    r"\bneed\s+(?:to\s+talk\s+to\s+)?you\s+every\s+(?:day|night)",
    r"\b(?:nobody|no\s+one)\s+(?:else\s+)?(?:understands|listens|gets)\s+me\s+(?:like|but)\s+you",
]
PHRASES = [re.compile(pattern, re.IGNORECASE) for pattern in _PHRASES]

GRIEF_SUPPORT = [
    (
        "Cruse Bereavement Support (UK)",
        "cruse.org.uk, 0808 808 1677",
        "free support from trained volunteers, by phone, online or in person",
    ),
    ("GriefShare", "griefshare.org", "grief support groups that meet in many countries"),
    (
        "A local hospice",
        "",
        "many offer bereavement support to families, whether or not the person was cared for there",
    ),
    ("Their doctor", "", "who can help find counselling nearby"),
]


def reliance_phrases(text: str) -> int:
    """How many reliance phrases a message carries (0 for most)."""
    text = text.replace("\u2019", "'")  # a typographic apostrophe reads as a plain one
    return sum(1 for pattern in PHRASES if pattern.search(text))


def _key(memorial_id: uuid.UUID | str, visitor_id: uuid.UUID, day: date) -> str:
    return f"reliance:{memorial_id}:{visitor_id}:{day.isoformat()}"


def reliance_note(
    *, memorial_id: uuid.UUID | str, visitor_id: uuid.UUID, text: str, now: datetime | None = None
) -> int:
    """Count the reliance phrases of a visitor's message into today's count (the words are
    not kept). Returns the phrases found."""
    found = reliance_phrases(text)
    if found:
        key = _key(memorial_id, visitor_id, timezone.localdate(now or timezone.now()))
        cache.add(key, 0, timeout=int(KEPT.total_seconds()))
        cache.incr(key, found)
    return found


@dataclass(frozen=True)
class WeekTrend:
    start: date  # the week's first day
    visits: int
    minutes: int
    late_share: float  # of its messages, written between 23:00 and 05:00 on their clock
    phrases: int  # the visitor's messages that matched a reliance phrase

    @property
    def late_percent(self) -> int:
        return round(self.late_share * 100)


def _late(at: datetime, zone: tzinfo | None) -> bool:
    local = timezone.localtime(at, zone).time()
    return local >= LATE_START or local < LATE_END


def reliance_trend(
    *,
    memorial_id: uuid.UUID | str,
    visitor_id: uuid.UUID,
    now: datetime | None = None,
    zone: tzinfo | None = None,
) -> list[WeekTrend]:
    """The last WEEKS weeks, oldest first; the last one ends now. "Late at night" is on the
    visitor's own clock (`zone`, their time zone; None: the site's)."""
    now = now or timezone.now()
    since = now - timedelta(weeks=WEEKS)
    times = message_times(memorial_id=memorial_id, visitor_id=visitor_id, since=since, now=now)
    today = timezone.localdate(now)
    days = [today - timedelta(days=n) for n in range(WEEKS * 7)]
    counts = cache.get_many([_key(memorial_id, visitor_id, day) for day in days])
    weeks = []
    for index in range(WEEKS - 1, -1, -1):
        end = now - timedelta(weeks=index)
        start = end - timedelta(weeks=1)
        inside = [at for at in times if start < at <= end]
        visits = visits_from(inside, now=end)
        first_day = today - timedelta(days=index * 7 + 6)
        phrases = sum(
            int(counts.get(_key(memorial_id, visitor_id, first_day + timedelta(days=n)), 0))
            for n in range(7)
        )
        weeks.append(
            WeekTrend(
                start=timezone.localdate(start + timedelta(seconds=1)),
                visits=len(visits),
                minutes=round(sum(visit.seconds for visit in visits) / 60),
                late_share=(sum(1 for at in inside if _late(at, zone)) / len(inside))
                if inside
                else 0.0,
                phrases=phrases,
            )
        )
    return weeks


def trend_rising(weeks: list[WeekTrend]) -> bool:
    """The latest week well above the weeks before it: twice the minutes (an hour at
    least), reliance phrases newly frequent, or most of its use late at night over
    several visits."""
    if len(weeks) < 2:
        return False
    latest, before = weeks[-1], weeks[:-1]
    minutes = sum(week.minutes for week in before) / len(before)
    phrases = sum(week.phrases for week in before) / len(before)
    late = sum(week.late_share for week in before) / len(before)
    return (
        (latest.minutes >= 60 and latest.minutes >= 2 * minutes)
        or (latest.phrases >= 3 and latest.phrases >= phrases + 2)
        or (latest.visits >= 3 and latest.late_share >= 0.5 and latest.late_share >= late + 0.3)
    )


def reliance_review(
    *, memorial_id: uuid.UUID | str, visitor_id: uuid.UUID, now: datetime | None = None
) -> SafetyAlert | None:
    """After a visit: when this visitor's trend rises sharply, alert the stewards (a
    content-free mail), at most once in ALERT_EVERY. The new alert, or None."""
    now = now or timezone.now()
    visitor = (
        Membership.objects.select_related("memorial", "user")
        .filter(memorial_id=memorial_id, user_id=visitor_id)
        .exclude(role=Role.SUBJECT)
        .first()
    )
    if visitor is None:
        return None
    weeks = reliance_trend(
        memorial_id=memorial_id, visitor_id=visitor_id, now=now, zone=user_zone(user=visitor.user)
    )
    if not trend_rising(weeks):
        return None
    with transaction.atomic():
        Membership.objects.select_for_update().filter(pk=visitor.pk).first()
        if SafetyAlert.objects.filter(
            memorial_id=memorial_id,
            visitor_id=visitor_id,
            kind=AlertKind.RELIANCE,
            created_at__gt=now - ALERT_EVERY,
        ).exists():
            return None
        alert = SafetyAlert.objects.create(
            memorial_id=memorial_id, visitor_id=visitor_id, kind=AlertKind.RELIANCE
        )
        alert_mail_stewards(
            alert=alert,
            template="reliance",
            subject=f"{visitor.user} may be leaning on {visitor.memorial}'s twin",
            path=reverse("conversations:visitors_time", args=[memorial_id]),
        )
    return alert


@dataclass(frozen=True)
class VisitorTime:
    """One visitor as the stewards' visitors' time page shows them: never what they said."""

    membership: Membership
    row: VisitLimits | None
    limits: Limits
    defaults: Limits
    weeks: list[WeekTrend]
    rising: bool

    @property
    def waiting_approval(self) -> bool:
        m = self.membership
        return m.age_group == AgeGroup.MINOR and m.minor_approved_at is None

    @property
    def visited(self) -> bool:
        return any(week.visits for week in self.weeks)

    @property
    def bars(self) -> list[tuple[WeekTrend, int]]:
        """Each week with its bar's height in tenths of the busiest week's (0 to 10)."""
        busiest = max([week.minutes for week in self.weeks] + [1])
        return [(week, round(10 * week.minutes / busiest)) for week in self.weeks]


def visitors_time_list(
    *, memorial_id: uuid.UUID | str, now: datetime | None = None
) -> list[VisitorTime]:
    """Every visitor of the memorial (family and stewards), with their limits and trend."""
    now = now or timezone.now()
    members = (
        Membership.objects.select_related("user", "minor_approved_by")
        .filter(memorial_id=memorial_id)
        .exclude(role=Role.SUBJECT)
        .order_by("created_at")
    )
    rows = {row.visitor_id: row for row in VisitLimits.objects.filter(memorial_id=memorial_id)}
    shown = []
    for member in members:
        row = rows.get(member.user_id)
        weeks = reliance_trend(
            memorial_id=memorial_id,
            visitor_id=member.user_id,
            now=now,
            zone=user_zone(user=member.user),
        )
        shown.append(
            VisitorTime(
                membership=member,
                row=row,
                limits=limits_effective(membership=member, row=row)
                if row
                else limits_default(minor=member.age_group == AgeGroup.MINOR),
                defaults=limits_default(minor=member.age_group == AgeGroup.MINOR),
                weeks=weeks,
                rising=trend_rising(weeks),
            )
        )
    return shown
