"""The one place that says what a memorial may do now, and how much is left
(installed into the kernel as `core.allowances.allowance_check`).

The plan in effect: the memorial's subscription's plan while it is trialing, active or
past due within its grace period; otherwise the free plan (money never deletes anything, it
only pauses what the free plan does not include). A memorial that never had a subscription
is on the plan `LEGACY_PLAN_WITHOUT_SUBSCRIPTION` names (free by default; a server run
for one family may give everyone a plan that way).

The period of the monthly allowances is the calendar month (in TIME_ZONE), for every
memorial, with a subscription or without, whatever day its billing period begins: the
conversations' counters (`UsageMonth`) are kept per calendar month, and `period_start` is
the one date the check, the meters (`billing.overview`), the 80 % / all-used notices
(`AllowanceNotice.period`) and the replies queued ahead (`conversations.allowances`, by
the month of their creation) all count from. A larger plan applies to the month under way.

Usage, per kind, now:
- family and preview messages: this calendar month's `conversations.UsageMonth` (the
  subject's own conversations are the preview; everyone else's are family messages);
- spoken minutes: this month's `UsageMonth.spoken_seconds`, rounded up to minutes;
- family members: the memorial's stewards and family, and the invitations still open;
- writing kept: the size of the memorial's uploads, in MB (rounded up);
- a cloned voice: a feature, never "used up".

A check costs three queries (the subscription, the plan's allowance, the usage; each compiled
once, `core.queries`: a reply asks before and after it is written), none per token. After a
spend, `allowance_spent` tells the payer once a period when 80 % and when all
of a monthly allowance is used (mail, and a notice on the memorial page).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from billing.models import (
    FREE_PLAN,
    AllowanceNotice,
    Plan,
    PlanAllowance,
    Subscription,
    SubscriptionStatus,
)
from billing.notices import allowance_notice_send, allowance_noun
from billing.sponsors import sponsorship_for
from conversations.models import UsageMonth
from core.allowances import MONTHLY_KINDS, Allowance, AllowanceKind
from core.queries import compiled_row
from corpus.models import Upload
from memorials.models import Invitation, Membership, Role

PAID = (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING)
GRACE = (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID)
NOTICE_SHARE = 0.8


@dataclass(frozen=True)
class PlanState:
    """The plan in effect for a memorial, and why."""

    plan_id: int | None  # None: the plan whose code is `fallback`
    subscription_status: str  # "" with no subscription
    lapsed: bool  # a paid plan whose grace ran out: on the free plan until paid
    in_grace: bool  # a payment is overdue, the plan still holds until `grace_until`
    grace_until: datetime | None
    fallback: str = FREE_PLAN


# A reply asks its allowance before it is written and again after: the reads below are
# compiled once (`core.queries`), each taking its arguments in order (probed with values no
# real call passes).
_PROBE_MEMORIAL = uuid.UUID(int=0)
_PROBE_MONTH = date(2000, 1, 1)
_SUBSCRIPTION = ("plan_id", "status", "grace_until", "lapsed_at")


def _subscription(memorial_id: uuid.UUID) -> QuerySet[Any]:
    return Subscription.objects.filter(memorial_id=memorial_id).values_list(*_SUBSCRIPTION)[:1]


def _quota_row(allowances: QuerySet[PlanAllowance]) -> QuerySet[Any]:
    return allowances.order_by("pk").values_list("quota", "plan__name")[:1]


def _quota_of_plan(plan_id: int, kind: str) -> QuerySet[Any]:
    return _quota_row(PlanAllowance.objects.filter(plan_id=plan_id).filter(kind=kind))


def _quota_of_fallback(code: str, kind: str) -> QuerySet[Any]:
    return _quota_row(PlanAllowance.objects.filter(plan__code=code).filter(kind=kind))


def _month(memorial_id: uuid.UUID, month: date) -> QuerySet[Any]:
    return UsageMonth.objects.filter(memorial_id=memorial_id).filter(month=month)


def _month_total(month: QuerySet[UsageMonth], column: str) -> QuerySet[Any]:
    # one group: the memorial's rows (none: no row comes back)
    return month.values("memorial_id").annotate(total=Sum(column)).values_list("total")


def _preview_messages(memorial_id: uuid.UUID, month: date) -> QuerySet[Any]:
    subject = Q(visitor_id=F("memorial__subject_id"))
    return _month_total(_month(memorial_id, month).filter(subject), "messages")


def _family_messages(memorial_id: uuid.UUID, month: date) -> QuerySet[Any]:
    subject = Q(visitor_id=F("memorial__subject_id"))
    return _month_total(_month(memorial_id, month).exclude(subject), "messages")


def _spoken_seconds(memorial_id: uuid.UUID, month: date) -> QuerySet[Any]:
    return _month_total(_month(memorial_id, month), "spoken_seconds")


_MONTHLY_TOTALS = {
    AllowanceKind.PREVIEW_MESSAGES: _preview_messages,
    AllowanceKind.FAMILY_MESSAGES: _family_messages,
    AllowanceKind.VOICE_MINUTES: _spoken_seconds,
}


def plan_state(memorial_id: uuid.UUID | str, *, now: datetime | None = None) -> PlanState:
    """The memorial's subscription, read as the plan in effect (one query); when it gives no
    plan, a sponsor's (`billing.sponsors`: a firm paying a seat for its client; one more
    query per registered sponsor)."""
    now = now or timezone.now()
    row = compiled_row(_subscription, (_PROBE_MEMORIAL,), [memorial_id])
    own = _own_state(None if row is None else dict(zip(_SUBSCRIPTION, row, strict=True)), now=now)
    if own.plan_id is not None:
        return own
    sponsored = _sponsored_state(memorial_id, now=now)
    return sponsored if sponsored is not None else own


def _own_state(sub: Mapping[str, Any] | None, *, now: datetime) -> PlanState:
    if sub is None:  # never subscribed: the free plan (or what this server gives everyone)
        return PlanState(None, "", False, False, None, settings.BILLING_PLAN_WITHOUT_SUBSCRIPTION)
    status, until = sub["status"], sub["grace_until"]
    if status in PAID:
        return PlanState(sub["plan_id"], status, False, False, None)
    if status in GRACE:
        holding = sub["lapsed_at"] is None and (until is None or until > now)
        return PlanState(sub["plan_id"] if holding else None, status, not holding, holding, until)
    return PlanState(None, status, False, False, None)


def _sponsored_state(memorial_id: uuid.UUID | str, *, now: datetime) -> PlanState | None:
    """The sponsor's plan while its own subscription is paid, or overdue within its grace
    (then `in_grace`); None when no sponsor pays or its grace ran out (the memorial's own
    state stands: nothing is deleted either way)."""
    sponsor = sponsorship_for(memorial_id)
    if sponsor is None:
        return None
    if sponsor.status in PAID:
        return PlanState(sponsor.plan_id, sponsor.status, False, False, None)
    until = sponsor.grace_until
    if sponsor.status in GRACE and (until is None or until > now):
        return PlanState(sponsor.plan_id, sponsor.status, False, True, until)
    return None


def plan_effective(memorial_id: uuid.UUID | str) -> Plan:
    state = plan_state(memorial_id)
    if state.plan_id is None:
        return Plan.objects.get(code=state.fallback)
    return Plan.objects.get(pk=state.plan_id)


def period_start(now: datetime | None = None) -> date:
    """The first day of the current period of the monthly allowances: the calendar month's
    (see the module's docstring)."""
    return timezone.localdate(now).replace(day=1)


def next_period_start(now: datetime | None = None) -> date:
    start = period_start(now)
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else (start.replace(month=start.month + 1))
    )


def usage_of(memorial_id: uuid.UUID | str, kind: str, *, now: datetime | None = None) -> int:
    """How much of `kind` the memorial has used now (this period for the monthly kinds)."""
    if kind in MONTHLY_KINDS:
        row = compiled_row(
            _MONTHLY_TOTALS[AllowanceKind(kind)],
            (_PROBE_MEMORIAL, _PROBE_MONTH),
            [memorial_id, period_start(now)],
        )
        total = int(row[0] or 0) if row is not None else 0
        return math.ceil(total / 60) if kind == AllowanceKind.VOICE_MINUTES else total
    if kind == AllowanceKind.FAMILY_MEMBERS:
        members = Membership.objects.filter(
            memorial_id=memorial_id, role__in=(Role.STEWARD, Role.FAMILY)
        ).count()
        invited = Invitation.objects.filter(
            memorial_id=memorial_id,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).count()
        return members + invited
    if kind == AllowanceKind.CORPUS_MB:
        size = Upload.objects.filter(memorial_id=memorial_id).aggregate(total=Sum("size"))
        return math.ceil((size["total"] or 0) / 1024**2)
    return 0  # a feature (the cloned voice): included or not


def _quota(state: PlanState, kind: str) -> tuple[int | None, str]:
    """The plan's quota of `kind` (None: unlimited; 0: not included) and the plan's name."""
    row = (
        compiled_row(_quota_of_plan, (987_654_321, "probe-kind"), [state.plan_id, kind])
        if state.plan_id is not None
        else compiled_row(_quota_of_fallback, ("probe-code", "probe-kind"), [state.fallback, kind])
    )
    if row is None:  # a kind the plan does not list: not included
        plans = (
            Plan.objects.filter(pk=state.plan_id)
            if state.plan_id
            else Plan.objects.filter(code=state.fallback)
        )
        return 0, plans.values_list("name", flat=True).first() or ""
    return row[0], row[1]


def _reason(kind: str, quota: int | None, state: PlanState, *, now: datetime | None = None) -> str:
    noun = allowance_noun(kind)
    if state.lapsed:
        return (
            "This memorial is on the free plan for now because a payment is outstanding. "
            "Nothing has been deleted, and this starts again as soon as someone in the family "
            "picks up the payment."
        )
    if not quota:
        return f"This memorial's plan does not include {noun}."
    if kind in MONTHLY_KINDS:
        restart = next_period_start(now)
        return (
            f"This month's allowance of {quota:,} {noun} has been used. It starts again on "
            f"{restart:%-d %B}, or at once with a larger plan."
        )
    return f"This plan allows {quota:,} {noun}, and that is all used."


def allowance_compute(
    memorial_id: uuid.UUID | str, kind: str, amount: int = 1, *, now: datetime | None = None
) -> Allowance:
    state = plan_state(memorial_id, now=now)
    quota, plan_name = _quota(state, kind)
    used = usage_of(memorial_id, kind, now=now) if quota else 0
    left = None if quota is None else max(quota - used, 0)
    allowed = left is None or left >= amount
    return Allowance(
        kind=kind,
        allowed=allowed,
        quota=quota,
        used=used,
        left=left,
        plan_name=plan_name,
        reason="" if allowed else _reason(kind, quota, state, now=now),
    )


class PlanAllowanceRules:
    def check(self, *, memorial_id: uuid.UUID | str, kind: str, amount: int = 1) -> Allowance:
        return allowance_compute(memorial_id, kind, amount)

    def spent(self, *, memorial_id: uuid.UUID | str, kind: str) -> Allowance:
        allowance = allowance_compute(memorial_id, kind, 1)
        allowance_notice_due(memorial_id=memorial_id, allowance=allowance)
        return allowance


def allowance_notice_due(*, memorial_id: uuid.UUID | str, allowance: Allowance) -> int | None:
    """Tell the payer, once a period, that a monthly allowance is at 80 % or all used.
    Returns the level told now, or None."""
    if allowance.kind not in MONTHLY_KINDS or not allowance.quota:
        return None
    share = allowance.share_used
    level = 100 if share >= 1 else 80 if share >= NOTICE_SHARE else 0
    if not level:
        return None
    try:
        with transaction.atomic():
            AllowanceNotice.objects.create(
                memorial_id=memorial_id, kind=allowance.kind, period=period_start(), level=level
            )
            allowance_notice_send(memorial_id=memorial_id, allowance=allowance, level=level)
    except IntegrityError:  # told already this period
        return None
    return level
