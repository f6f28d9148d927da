"""The inactivity fallback (after Google's Inactive Account Manager).

When a subject with stewards has not signed in for INACTIVITY_MONTHS, they are warned by mail
on the days INACTIVITY_WARNING_DAYS after that point (by default at once, then weekly for three
weeks). If they still do not sign in, INACTIVITY_STEWARD_NOTICE_DAYS after that point their
stewards are told they may start the activation (key and death certificate are still needed;
the notice period before approval is then waived). Signing in starts the count again.

`inactivity_check` is the daily sweep (Celery beat); it is safe to run twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.audit import audit_record
from memorials.models import (
    ActivationStatus,
    InactivityWatch,
    Memorial,
    MemorialState,
    Role,
)
from memorials.notices import notice_send_on_commit, site_link, steward_emails

logger = logging.getLogger(__name__)


def subject_last_seen(*, user: User) -> datetime:
    """When the subject last signed in (Django keeps `last_login` on every sign-in; sessions
    last two weeks, so this is never staler than that)."""
    return user.last_login or user.date_joined


def inactive_from(*, seen_at: datetime) -> datetime:
    """INACTIVITY_MONTHS after `seen_at`: the same day, or the month's last where it is shorter."""
    return seen_at + relativedelta(months=settings.INACTIVITY_MONTHS)


def _watched_memorials() -> list[Memorial]:
    """Memorials whose subject may still be alive and who have someone to tell."""
    return list(
        Memorial.objects.select_related("subject")
        .filter(
            state__in=[MemorialState.PRESERVING, MemorialState.SEALED, MemorialState.ACTIVE],
            memberships__role=Role.STEWARD,
        )
        .exclude(activation_requests__status=ActivationStatus.APPROVED)
        .distinct()
    )


def inactivity_step(*, memorial: Memorial, now: datetime) -> str | None:
    """Advance one memorial's fallback by at most one step. Returns what was done."""
    seen_at = subject_last_seen(user=memorial.subject)
    due = inactive_from(seen_at=seen_at)
    if now < due:
        # Active again (or never away): any earlier cycle is over.
        InactivityWatch.objects.filter(memorial=memorial).exclude(seen_at=seen_at).delete()
        return None
    warning_days = sorted(settings.INACTIVITY_WARNING_DAYS)
    with transaction.atomic():
        watch, _ = InactivityWatch.objects.select_for_update().get_or_create(
            memorial=memorial, defaults={"seen_at": seen_at}
        )
        if watch.seen_at != seen_at:  # they came back since the last cycle: start again
            watch.seen_at, watch.warnings_sent = seen_at, 0
            watch.last_warning_at = watch.stewards_notified_at = None
        if watch.warnings_sent < len(warning_days):
            if now < due + timedelta(days=warning_days[watch.warnings_sent]):
                watch.save()
                return None
            watch.warnings_sent += 1
            watch.last_warning_at = now
            watch.save()
            _warn_subject(memorial=memorial, watch=watch, due=due, seen_at=seen_at)
            return "warned"
        notice_at = due + timedelta(days=settings.INACTIVITY_STEWARD_NOTICE_DAYS)
        if watch.stewards_notified_at is not None or now < notice_at:
            watch.save()
            return None
        watch.stewards_notified_at = now
        watch.save()
        _notify_stewards(memorial=memorial, seen_at=seen_at)
        return "stewards_notified"


def _warn_subject(
    *, memorial: Memorial, watch: InactivityWatch, due: datetime, seen_at: datetime
) -> None:
    total = len(settings.INACTIVITY_WARNING_DAYS)
    audit_record(
        action="activation.inactivity_warning",
        memorial_id=memorial.id,
        data={"warning": watch.warnings_sent, "of": total},
    )
    notice_send_on_commit(
        to=[memorial.subject.email],
        subject="Please sign in to Legacy: are you still there?",
        template="inactivity_warning",
        context={
            "memorial": memorial,
            "seen_at": seen_at,
            "warning": watch.warnings_sent,
            "total": total,
            "stewards_told_at": due + timedelta(days=settings.INACTIVITY_STEWARD_NOTICE_DAYS),
            "link": site_link(reverse("account_login")),
        },
    )


def _notify_stewards(*, memorial: Memorial, seen_at: datetime) -> None:
    audit_record(action="activation.stewards_notified", memorial_id=memorial.id, data={})
    notice_send_on_commit(
        to=steward_emails(memorial=memorial),
        subject=f"{memorial} has not been visited for a long time",
        template="inactivity_stewards",
        context={
            "memorial": memorial,
            "seen_at": seen_at,
            "link": site_link(reverse("memorials:activation", args=[memorial.id])),
        },
    )


def inactivity_check(*, now: datetime | None = None) -> dict[str, int]:
    """The daily sweep: one step for every watched memorial. One memorial's failure is
    logged and does not stop the others."""
    now = now or timezone.now()
    done = {"warned": 0, "stewards_notified": 0, "failed": 0}
    for memorial in _watched_memorials():
        try:
            outcome = inactivity_step(memorial=memorial, now=now)
        except Exception:
            logger.exception("inactivity check failed for memorial %s", memorial.id)
            done["failed"] += 1
            continue
        if outcome:
            done[outcome] += 1
    return done
