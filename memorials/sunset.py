"""The sunset: a memorial activated after death closes when the subject wished (N years
after activation, or on a date), then is erased or kept as a read-only archive, per the
wishes. `sunset_check` is the daily sweep (Celery beat); it is safe to run twice.

Erasure itself is the kill switch's (`memorials.erasure.services.memorial_erase`); a memorial
due for erasure whose erasure fails stays closed, is marked, and is retried every day.
"""

from __future__ import annotations

import logging
from datetime import datetime, time

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.audit import audit_record
from memorials.activation.selectors import activation_approved_get
from memorials.erasure.services import memorial_erase
from memorials.lifecycle import InvalidTransition
from memorials.models import (
    EndingRule,
    Memorial,
    MemorialState,
    MemorialSunset,
    MemorialWishes,
    SunsetRule,
)
from memorials.services import memorial_transition
from memorials.wishes import wishes_get

logger = logging.getLogger(__name__)


def sunset_due_at(*, memorial: Memorial, wishes: MemorialWishes | None = None) -> datetime | None:
    """When the memorial closes, or None (no sunset wished, or not activated after death)."""
    wishes = wishes or wishes_get(memorial_id=memorial.id)
    if wishes.sunset == SunsetRule.NONE:
        return None
    activation = activation_approved_get(memorial_id=memorial.id)
    if activation is None or activation.decided_at is None:
        return None
    if wishes.sunset == SunsetRule.YEARS and wishes.sunset_years:
        return activation.decided_at + relativedelta(years=wishes.sunset_years)
    if wishes.sunset == SunsetRule.DATE and wishes.sunset_on:
        return timezone.make_aware(datetime.combine(wishes.sunset_on, time.min))
    return None


def memorial_archive_kept(*, memorial: Memorial) -> bool:
    """True when the memorial closed and the family keeps a read-only archive of it."""
    return (
        memorial.state == MemorialState.CLOSED
        and wishes_get(memorial_id=memorial.id).ending == EndingRule.ARCHIVE
    )


def memorial_sunset_close(*, memorial: Memorial, now: datetime) -> MemorialSunset:
    """Close the memorial at its sunset and record what the wishes say happens next."""
    wishes = wishes_get(memorial_id=memorial.id)
    with transaction.atomic():
        memorial_transition(memorial=memorial, to=MemorialState.CLOSED)
        sunset, _ = MemorialSunset.objects.update_or_create(
            memorial=memorial,
            defaults={
                "closed_at": now,
                "ending": wishes.ending,
                "erasure_requested_at": now if wishes.ending == EndingRule.ERASE else None,
            },
        )
        audit_record(
            action="sunset.closed",
            memorial_id=memorial.id,
            data={"ending": wishes.ending},
        )
    return sunset


def memorial_sunset_erase(*, memorial: Memorial, actor: User | None = None) -> bool:
    """Hand a memorial whose wishes say "erase" to the kill switch."""
    memorial_erase(memorial=memorial, actor=actor, reason="sunset")
    MemorialSunset.objects.filter(memorial=memorial).update(erased_at=timezone.now())
    return True


def sunset_check(*, now: datetime | None = None) -> dict[str, int]:
    """The daily sweep: close every memorial whose sunset has come; erase the ones whose
    wishes say so (including earlier ones still waiting for the kill switch)."""
    now = now or timezone.now()
    done = {"closed": 0, "erased": 0, "failed": 0}
    candidates = (
        Memorial.objects.select_related("subject", "wishes")
        .filter(state=MemorialState.ACTIVE, wishes__isnull=False)
        .exclude(wishes__sunset=SunsetRule.NONE)
    )
    for memorial in candidates:
        due = sunset_due_at(memorial=memorial, wishes=memorial.wishes)
        if due is None or now < due:
            continue
        try:
            memorial_sunset_close(memorial=memorial, now=now)
            done["closed"] += 1
        except InvalidTransition:
            continue  # closed or erased meanwhile
        except Exception:
            logger.exception("sunset failed for memorial %s", memorial.id)
            done["failed"] += 1
    waiting = Memorial.objects.filter(
        state=MemorialState.CLOSED,
        sunset__erasure_requested_at__isnull=False,
        sunset__erased_at__isnull=True,
    )
    for memorial in waiting:
        try:
            done["erased"] += memorial_sunset_erase(memorial=memorial)
        except Exception:
            logger.exception("sunset erasure failed for memorial %s", memorial.id)
            done["failed"] += 1
    return done
