"""Healthy use: how long and when a visitor talks with the twin, and visitors under 18.

A visitor's limits are their steward's choices (`VisitLimits`), each left unset falling back
to gentle defaults from settings (`LEGACY_LIMITS_*`, stricter for a visitor under 18): the
length of one visit, the time per day, a break reminder every so many minutes, and quiet
hours (they may wrap midnight). Quiet hours and "a day" are read on the visitor's own
clock: their account's time zone, the site's while it is not known yet. Time is read from
the conversation's own message times, nothing else: a visit is a run of messages with no
pause of `VISIT_GAP` or more, lasting from its first message to its last plus `IDLE_GRACE`
(reading the last reply).
So a reload or a second device does not start a new visit, and half an hour's rest does.

What the limits do, all from `conversations.access.conversation_time_check` (the one place):
quiet hours, a day's time used up or a visit's length reached stop the socket taking new
messages, with a notice in warm plain words (a reply already on its way still finishes);
break reminders are notices only. The wire: `{"type": "notice", "kind": ..., "text": ...}`.

The twin never initiates. Nothing here, nor anywhere in Legacy, sends a message, a mail or a
notification in the person's name unprompted: every notice answers a conversation the visitor
opened, none asks them to come back, and no sweep or scheduled task writes to a visitor on the
twin's behalf (tests/conversations/guardrails/test_limits_never_initiates.py runs every beat
task and checks). Mail that limits send goes to stewards, about a visitor under 18 waiting for
their approval, in Legacy's own name.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from conversations.models import Conversation, Message, VisitLimits
from conversations.services.usage import IDLE_GRACE
from core.audit import audit_record, memorial_ref
from core.mail import mail_send_on_commit
from core.models import AuditEvent
from core.queries import compiled_row, model_from_row
from memorials.models import AgeGroup, Membership, Role

VISIT_GAP = timedelta(minutes=30)  # a pause this long ends a visit (and rests its limit)
GRACE = timedelta(seconds=IDLE_GRACE)
MINOR_ASKED = "conversation.minor_approval_asked"
MINOR_APPROVED = "conversation.minor_approved"
LIMITS_SET = "conversation.visit_limits_set"


@dataclass(frozen=True)
class Limits:
    """A visitor's effective limits, in minutes (`break_minutes` 0: no reminders); quiet
    hours None when there are none."""

    session_minutes: int
    daily_minutes: int
    break_minutes: int
    quiet_start: time | None
    quiet_end: time | None
    minor: bool = False


@dataclass(frozen=True)
class Notice:
    """What the visitor is told on the socket and whether it stops new messages."""

    kind: str  # "break" | "session_limit" | "daily_limit" | "quiet_hours"
    text: str
    stops: bool = True

    def wire(self) -> dict[str, str]:
        return {"type": "notice", "kind": self.kind, "text": self.text}


@dataclass(frozen=True)
class Visit:
    start: datetime
    end: datetime  # the last message plus IDLE_GRACE, never after now

    @property
    def seconds(self) -> float:
        return max((self.end - self.start).total_seconds(), 0.0)


def quiet_hours_parse(text: str) -> tuple[time | None, time | None]:
    """ "21:00-07:00" as two times; empty: none. ValueError when it is not that shape."""
    if not text.strip():
        return None, None
    start, end = (part.strip() for part in text.split("-", 1))
    return time.fromisoformat(start), time.fromisoformat(end)


def limits_default(*, minor: bool) -> Limits:
    group = "MINOR" if minor else "ADULT"
    start, end = quiet_hours_parse(getattr(settings, f"LEGACY_LIMITS_{group}_QUIET_HOURS"))
    return Limits(
        session_minutes=getattr(settings, f"LEGACY_LIMITS_{group}_SESSION_MINUTES"),
        daily_minutes=getattr(settings, f"LEGACY_LIMITS_{group}_DAILY_MINUTES"),
        break_minutes=getattr(settings, f"LEGACY_LIMITS_{group}_BREAK_MINUTES"),
        quiet_start=start,
        quiet_end=end,
        minor=minor,
    )


def _limits_of(memorial_id: uuid.UUID, visitor_id: uuid.UUID) -> QuerySet[VisitLimits]:
    return (
        VisitLimits.objects.filter(memorial_id=memorial_id)
        .filter(visitor_id=visitor_id)
        .order_by("pk")[:1]
    )


def _limits_row(*, memorial_id: uuid.UUID, visitor_id: uuid.UUID) -> VisitLimits | None:
    """The steward's row for this visitor, if any (asked on every message: compiled once,
    `core.queries`)."""
    row = compiled_row(_limits_of, (uuid.UUID(int=0), uuid.UUID(int=1)), [memorial_id, visitor_id])
    return None if row is None else model_from_row(VisitLimits, row)


def limits_effective(*, membership: Membership, row: VisitLimits | None = None) -> Limits:
    """The steward's choices for this visitor, the defaults for what they left unset. Quiet
    hours set with the same start and end mean none (a steward lifting the default)."""
    minor = membership.age_group == AgeGroup.MINOR
    default = limits_default(minor=minor)
    if row is None:
        row = _limits_row(memorial_id=membership.memorial_id, visitor_id=membership.user_id)
    if row is None:
        return default
    quiet_start, quiet_end = default.quiet_start, default.quiet_end
    if row.quiet_start is not None and row.quiet_end is not None:
        same = row.quiet_start == row.quiet_end
        quiet_start, quiet_end = (None, None) if same else (row.quiet_start, row.quiet_end)
    return Limits(
        session_minutes=_chosen(row.session_minutes, default.session_minutes),
        daily_minutes=_chosen(row.daily_minutes, default.daily_minutes),
        break_minutes=_chosen(row.break_minutes, default.break_minutes),
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        minor=minor,
    )


def _chosen(value: int | None, default: int) -> int:
    return default if value is None else value


# --- time used -----------------------------------------------------------------------------


def message_times(
    *, memorial_id: uuid.UUID | str, visitor_id: uuid.UUID, since: datetime, now: datetime
) -> list[datetime]:
    """When each message of this visitor's conversation (theirs and the twin's) was written,
    from `since` to `now`, in order: the only thing time limits and trends read."""
    return list(
        Message.objects.filter(
            conversation__memorial_id=memorial_id,
            conversation__visitor_id=visitor_id,
            created_at__gte=since,
            created_at__lte=now,
        )
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )


def visits_from(times: list[datetime], *, now: datetime) -> list[Visit]:
    """Message times (in order) as visits: a pause of VISIT_GAP or more starts a new one."""
    visits: list[Visit] = []
    start: datetime | None = None
    last: datetime | None = None
    for at in times:
        if start is not None and last is not None and at - last >= VISIT_GAP:
            visits.append(Visit(start, min(last + GRACE, now)))
            start = None
        start = start or at
        last = at
    if start is not None and last is not None:
        visits.append(Visit(start, min(last + GRACE, now)))
    return visits


def visits_since(
    *, memorial_id: uuid.UUID | str, visitor_id: uuid.UUID, since: datetime, now: datetime
) -> list[Visit]:
    """This visitor's visits with messages after `since`, from message times alone: what
    `visits_from(message_times(...))` gives, with the pauses found by Postgres, so a long
    day's hundreds of message times stay in the database and a few visits come back (this
    is read on every message a visitor sends)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(at), max(at) FROM ("
            "  SELECT at, count(*) FILTER (WHERE pause >= make_interval(secs => %s))"
            "    OVER (ORDER BY at) AS visit FROM ("
            "    SELECT m.created_at AS at,"
            "      m.created_at - lag(m.created_at) OVER (ORDER BY m.created_at) AS pause"
            f"    FROM {Message._meta.db_table} AS m"
            f"    JOIN {Conversation._meta.db_table} AS c ON c.id = m.conversation_id"
            "     WHERE c.memorial_id = %s AND c.visitor_id = %s"
            "     AND m.created_at >= %s AND m.created_at <= %s"
            "  ) AS paused"
            ") AS numbered GROUP BY visit ORDER BY visit",
            [VISIT_GAP.total_seconds(), memorial_id, visitor_id, since, now],
        )
        return [Visit(start, min(last + GRACE, now)) for start, last in cursor.fetchall()]


def day_start(now: datetime, zone: tzinfo | None = None) -> datetime:
    """Midnight of `now`'s day where the visitor is (`zone`; None: the site's time zone)."""
    local = timezone.localtime(now, zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def seconds_today(*, visits: list[Visit], now: datetime, zone: tzinfo | None = None) -> float:
    start = day_start(now, zone)
    return sum(max((visit.end - max(visit.start, start)).total_seconds(), 0.0) for visit in visits)


def visit_current(*, visits: list[Visit], now: datetime) -> Visit | None:
    """The visit going on now: its last message less than VISIT_GAP ago."""
    if visits and now - (visits[-1].end - GRACE) < VISIT_GAP:
        return visits[-1]
    return None


# --- the checks --------------------------------------------------------------------------------


def in_quiet_hours(*, limits: Limits, now: datetime, zone: tzinfo | None = None) -> bool:
    """Whether `now` falls in the quiet hours on the visitor's clock (`zone`; None: the
    site's time zone, for a visitor whose zone is not known yet)."""
    start, end = limits.quiet_start, limits.quiet_end
    if start is None or end is None or start == end:
        return False
    at = timezone.localtime(now, zone).time()
    if start < end:
        return start <= at < end
    return at >= start or at < end  # wraps midnight


def duration_words(minutes: float) -> str:
    """15 -> "15 minutes", 30 -> "half an hour", 60 -> "an hour", 90 -> "an hour and a
    half", 120 -> "two hours"; otherwise hours and minutes."""
    minutes = round(minutes)
    names = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return "half an hour" if rest == 30 else f"{rest} minute{'s' if rest != 1 else ''}"
    hour_words = "an hour" if hours == 1 else f"{names.get(hours, str(hours))} hours"
    if rest == 0:
        return hour_words
    if rest == 30:
        return f"{hour_words} and a half"
    return f"{hour_words} and {rest} minute{'s' if rest != 1 else ''}"


def quiet_hours_notice(limits: Limits) -> Notice:
    assert limits.quiet_start is not None and limits.quiet_end is not None
    start, end = f"{limits.quiet_start:%H:%M}", f"{limits.quiet_end:%H:%M}"
    return Notice(
        "quiet_hours",
        f"These are quiet hours ({start} to {end}), a time kept for rest, so the "
        f"conversation is resting. It opens again at {end}. What you have said is kept.",
    )


def daily_limit_notice(limits: Limits) -> Notice:
    return Notice(
        "daily_limit",
        f"You've spent {duration_words(limits.daily_minutes)} with the twin today, the time "
        "set for a day, so the conversation is resting until tomorrow. A reply already on "
        "its way will still finish.",
    )


def session_limit_notice(limits: Limits) -> Notice:
    return Notice(
        "session_limit",
        f"You've been talking for {duration_words(limits.session_minutes)}, the time set for "
        f"one visit, so the conversation rests here for a while. It opens again after a pause "
        f"of {duration_words(VISIT_GAP.total_seconds() / 60)}. A reply already on its way "
        "will still finish.",
    )


def break_notice(minutes: float) -> Notice:
    return Notice(
        "break",
        f"You've been talking for {duration_words(minutes)}. It might be a good moment for "
        "a break: a glass of water, a little air. The conversation will keep.",
        stops=False,
    )


@dataclass(frozen=True)
class TimeState:
    """Where a visitor stands now: the notice that stops new messages (None: they may
    talk), the current visit's length so far, and the limits applied."""

    stop: Notice | None
    visit_seconds: float
    limits: Limits


def time_state(
    *, membership: Membership, now: datetime | None = None, zone: tzinfo | None = None
) -> TimeState:
    """Quiet hours first, then the day's time, then the visit's length; quiet hours and the
    day on the visitor's clock (`zone`, their time zone; None: the site's)."""
    now = now or timezone.now()
    limits = limits_effective(membership=membership)
    visits = visits_since(
        memorial_id=membership.memorial_id,
        visitor_id=membership.user_id,
        since=day_start(now, zone) - VISIT_GAP * 2,
        now=now,
    )
    current = visit_current(visits=visits, now=now)
    visit_seconds = (now - current.start).total_seconds() if current else 0.0
    stop: Notice | None = None
    if in_quiet_hours(limits=limits, now=now, zone=zone):
        stop = quiet_hours_notice(limits)
    elif (
        limits.daily_minutes
        and seconds_today(visits=visits, now=now, zone=zone) >= limits.daily_minutes * 60
    ):
        stop = daily_limit_notice(limits)
    elif limits.session_minutes and visit_seconds >= limits.session_minutes * 60:
        stop = session_limit_notice(limits)
    return TimeState(stop=stop, visit_seconds=visit_seconds, limits=limits)


def break_mark(*, limits: Limits, visit_seconds: float) -> int:
    """How many break reminders this visit has earned so far (0: none yet)."""
    if not limits.break_minutes:
        return 0
    return int(visit_seconds // (limits.break_minutes * 60))


# --- visitors under 18 -------------------------------------------------------------------------

MINOR_WAITING = "A steward needs to agree before you can talk with the twin. We've let them know."
AGE_UNSTATED = (
    "Before your next conversation, please tell us your age group on the memorial's page."
)


def minor_refusal(*, membership: Membership) -> str:
    """Why this visitor may not talk yet for their age ("" when they may). A visitor under
    18 waits for a steward's explicit approval; the stewards are told, once."""
    if membership.role == Role.SUBJECT:
        return ""
    if membership.age_group == AgeGroup.UNSTATED:
        return AGE_UNSTATED
    if membership.age_group == AgeGroup.MINOR and membership.minor_approved_at is None:
        minor_approval_ask(membership=membership)
        return MINOR_WAITING
    return ""


def minor_approval_ask(*, membership: Membership) -> bool:
    """Tell the memorial's stewards, once, that a visitor under 18 waits for their approval
    (a mail each, in Legacy's name; audited). True when they were told now."""
    with transaction.atomic():
        Membership.objects.select_for_update().filter(pk=membership.pk).first()
        if AuditEvent.objects.filter(
            memorial_ref=memorial_ref(membership.memorial_id),
            action=MINOR_ASKED,
            data__visitor=str(membership.user_id),
        ).exists():
            return False
        stewards = Membership.objects.filter(
            memorial_id=membership.memorial_id, role=Role.STEWARD
        ).select_related("user")
        link = settings.SITE_URL.rstrip("/") + reverse(
            "conversations:visitors_time", args=[membership.memorial_id]
        )
        mail_send_on_commit(
            to=[steward.user.email for steward in stewards],
            subject=f"{membership.user} would like to talk with {membership.memorial}'s twin",
            template="conversations/email/minor_approval.txt",
            context={"membership": membership, "memorial": membership.memorial, "link": link},
            memorial_id=membership.memorial_id,
            topic=f"minor-approval:{membership.pk}",
        )
        audit_record(
            action=MINOR_ASKED,
            memorial_id=membership.memorial_id,
            data={"visitor": str(membership.user_id), "stewards": stewards.count()},
        )
    return True


def minor_approve(*, steward: Membership, visitor: Membership) -> None:
    """A steward agrees that this visitor under 18 may talk with the twin (audited). Only a
    steward of the same memorial may; ValueError for anyone else or a visitor not under 18."""
    if steward.role != Role.STEWARD or steward.memorial_id != visitor.memorial_id:
        raise ValueError("Only a steward of this memorial can agree to that.")
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=visitor.pk)
        if locked.age_group != AgeGroup.MINOR:
            raise ValueError("Only a visitor under 18 needs a steward's agreement.")
        if locked.minor_approved_at is not None:
            return
        locked.minor_approved_at = timezone.now()
        locked.minor_approved_by = steward.user
        locked.save(update_fields=["minor_approved_at", "minor_approved_by"])
        audit_record(
            action=MINOR_APPROVED,
            memorial_id=visitor.memorial_id,
            actor=steward.user,
            data={"visitor": str(visitor.user_id)},
        )
    visitor.minor_approved_at = locked.minor_approved_at
    visitor.minor_approved_by = locked.minor_approved_by


def visit_limits_set(
    *,
    steward: Membership,
    visitor: Membership,
    session_minutes: int | None,
    daily_minutes: int | None,
    break_minutes: int | None,
    quiet_start: time | None,
    quiet_end: time | None,
) -> VisitLimits:
    """A steward sets one visitor's limits (None: the default; audited, without values
    beyond which were set)."""
    if steward.role != Role.STEWARD or steward.memorial_id != visitor.memorial_id:
        raise ValueError("Only a steward of this memorial can set a visitor's time.")
    with transaction.atomic():
        row, _ = VisitLimits.objects.select_for_update().get_or_create(
            memorial_id=visitor.memorial_id, visitor_id=visitor.user_id
        )
        row.session_minutes, row.daily_minutes = session_minutes, daily_minutes
        row.break_minutes = break_minutes
        row.quiet_start, row.quiet_end = quiet_start, quiet_end
        row.set_by = steward.user
        row.save()
        audit_record(
            action=LIMITS_SET,
            memorial_id=visitor.memorial_id,
            actor=steward.user,
            data={"visitor": str(visitor.user_id)},
        )
    return row
