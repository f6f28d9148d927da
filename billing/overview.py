"""What the pages show of a memorial's plan: each allowance with its use now (the meters),
and what a change of plan would pause, said before it happens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from billing.entitlements import PlanState, period_start, plan_state, usage_of
from billing.models import AllowanceNotice, Plan, PlanAllowance
from billing.notices import allowance_notice_text
from core.allowances import MONTHLY_KINDS, AllowanceKind
from memorials.models import Membership, Role
from memorials.naming import memorial_subject_living

ORDER = [
    AllowanceKind.FAMILY_MESSAGES,
    AllowanceKind.PREVIEW_MESSAGES,
    AllowanceKind.VOICE_MINUTES,
    AllowanceKind.FAMILY_MEMBERS,
    AllowanceKind.CORPUS_MB,
    AllowanceKind.VOICE_CLONE,
]
# Each allowance as a meter names it to the person reading (the period is said beside it):
# to the subject ("your"), and to anyone else ({name}: the subject's name).
LABELS_FOR_SUBJECT = {
    AllowanceKind.FAMILY_MESSAGES: "Messages from your family",
    AllowanceKind.PREVIEW_MESSAGES: "Your own messages to your twin",
    AllowanceKind.VOICE_MINUTES: "Spoken minutes",
    AllowanceKind.FAMILY_MEMBERS: "Family members",
    AllowanceKind.CORPUS_MB: "Your writing kept",
    AllowanceKind.VOICE_CLONE: "Your cloned voice",
}
LABELS_FOR_OTHERS = {
    AllowanceKind.FAMILY_MESSAGES: "Messages from the family, yours included",
    AllowanceKind.PREVIEW_MESSAGES: "{name}'s own messages to the twin",
    AllowanceKind.VOICE_MINUTES: "Spoken minutes",
    AllowanceKind.FAMILY_MEMBERS: "Family members",
    AllowanceKind.CORPUS_MB: "{name}'s writing kept",
    AllowanceKind.VOICE_CLONE: "{name}'s cloned voice",
}
UNITS: dict[str, str] = {AllowanceKind.CORPUS_MB: " MB"}
# What each allowance does, for "what will pause" (the downgrade page), to whoever reads.
PAUSES = {
    AllowanceKind.FAMILY_MESSAGES: "the family's conversations with the twin",
    AllowanceKind.PREVIEW_MESSAGES: "{own} conversations with the twin",
    AllowanceKind.VOICE_MINUTES: "spoken replies (the twin answers in writing)",
    AllowanceKind.FAMILY_MEMBERS: "inviting more family (nobody is removed)",
    AllowanceKind.CORPUS_MB: "uploading more writing (nothing uploaded is removed)",
    AllowanceKind.VOICE_CLONE: "the cloned voice (the recordings are kept)",
}


@dataclass(frozen=True)
class Reader:
    """Who reads the page, so each allowance is named to them: the subject ("your writing"),
    or anyone else, a payer, steward or family member ("Ann's writing")."""

    is_subject: bool
    subject_name: str
    subject_living: bool = True  # after their death their own preview is no one's concern

    def shown(self, kind: str) -> bool:
        return self.subject_living or kind != AllowanceKind.PREVIEW_MESSAGES

    def label(self, kind: str) -> str:
        labels = LABELS_FOR_SUBJECT if self.is_subject else LABELS_FOR_OTHERS
        return labels[AllowanceKind(kind)].format(name=self.subject_name)

    def pause(self, kind: str) -> str:
        own = "your own" if self.is_subject else f"{self.subject_name}'s own"
        return PAUSES[AllowanceKind(kind)].format(own=own)


def reader_for(membership: Membership) -> Reader:
    """The reader of a memorial's page: its subject, or someone else in it."""
    return Reader(
        is_subject=membership.role == Role.SUBJECT,
        subject_name=membership.memorial.name,
        subject_living=memorial_subject_living(membership.memorial),
    )


@dataclass(frozen=True)
class Meter:
    kind: str
    label: str
    quota: int | None  # None: unlimited
    used: int
    monthly: bool
    feature: bool  # included or not (the cloned voice)

    @property
    def unit(self) -> str:
        return UNITS.get(self.kind, "")

    @property
    def included(self) -> bool:
        return self.quota is None or self.quota > 0

    @property
    def percent(self) -> int:
        if not self.quota:
            return 0
        return min(round(100 * self.used / self.quota), 100)

    @property
    def full(self) -> bool:
        return self.quota is not None and self.quota > 0 and self.used >= self.quota

    @property
    def near(self) -> bool:
        return self.quota is not None and self.quota > 0 and self.used >= 0.8 * self.quota


@dataclass(frozen=True)
class PlanOverview:
    plan_name: str
    state: PlanState
    meters: list[Meter]
    notices: list[str]  # this period's "80 % / all used" notices, in words


def plan_overview(memorial_id: uuid.UUID | str, *, reader: Reader) -> PlanOverview:
    """The plan in effect and a meter for each allowance, named to `reader`: the
    subscription, the plan with its allowances, then one usage query for each kind the plan
    includes (or two). Monthly allowances are this calendar month's
    (`billing.entitlements.period_start`), as the check and the notices count them."""
    state = plan_state(memorial_id)
    plans = Plan.objects.prefetch_related("allowances")
    plan = (
        plans.get(pk=state.plan_id) if state.plan_id is not None else plans.get(code=state.fallback)
    )
    granted = {allowance.kind: allowance.quota for allowance in plan.allowances.all()}
    meters = []
    for kind in filter(reader.shown, ORDER):
        quota = granted.get(kind, 0)  # a kind the plan does not list: not included
        meters.append(
            Meter(
                kind=kind,
                label=reader.label(kind),
                quota=quota,
                used=usage_of(memorial_id, kind) if quota else 0,
                monthly=kind in MONTHLY_KINDS,
                feature=kind == AllowanceKind.VOICE_CLONE,
            )
        )
    plan_name = plan.name
    quotas = {meter.kind: meter.quota for meter in meters}
    notices = [
        allowance_notice_text(kind=notice.kind, level=notice.level, quota=quotas[notice.kind])
        for notice in AllowanceNotice.objects.filter(
            memorial_id=memorial_id, period=period_start()
        ).order_by("kind", "-level")
    ]
    return PlanOverview(plan_name=plan_name, state=state, meters=meters, notices=notices)


def _quotas(plan: Plan) -> dict[str, int | None]:
    rows = dict(PlanAllowance.objects.filter(plan=plan).values_list("kind", "quota"))
    return {kind: rows.get(kind, 0) for kind in ORDER}


def _more(a: int | None, b: int | None) -> bool:
    """Whether quota `a` grants more than `b` (None: unlimited)."""
    if a is None:
        return b is not None
    return b is not None and a > b


@dataclass(frozen=True)
class PlanChange:
    """What moving from one plan to another does: allowances that shrink (and what pauses),
    and those that grow. Nothing is ever deleted either way."""

    pauses: list[str]
    grows: list[str]
    over: list[str]  # where the memorial already uses more than the new plan allows

    @property
    def downgrade(self) -> bool:
        return bool(self.pauses or self.over)


def _amount(kind: str, quota: int | None) -> str:
    if quota is None:
        return "unlimited"
    if kind == AllowanceKind.VOICE_CLONE:
        return "included" if quota else "not included"
    return f"{quota:,}{UNITS.get(kind, '')}"


def _per(kind: str) -> str:
    return " a month" if kind in MONTHLY_KINDS else ""


def plan_change_preview(
    *, memorial_id: uuid.UUID | str, current: Plan, target: Plan, reader: Reader
) -> PlanChange:
    """What moving from `current` to `target` pauses and grows, and where this memorial
    already uses more than `target` allows, each named to `reader`."""
    now, then = _quotas(current), _quotas(target)
    overview = {m.kind: m for m in plan_overview(memorial_id, reader=reader).meters}
    pauses, grows, over = [], [], []
    for kind in filter(reader.shown, ORDER):
        label = reader.label(kind)
        before, after = now[kind], then[kind]
        if _more(before, after):
            line = f"{label}: {_amount(kind, before)} → {_amount(kind, after)}{_per(kind)}"
            if after == 0:
                line += f". Paused: {reader.pause(kind)}."
            pauses.append(line)
            used = overview[kind].used
            if after and used > after and kind in MONTHLY_KINDS:
                over.append(
                    f"{label}: {used:,} used this month, {after:,} on {target.name}: paused "
                    f"for the rest of this month."
                )
            elif after and used > after:
                over.append(
                    f"{label}: {used:,} now, {after:,} on {target.name}: nothing is removed, "
                    f"but no more can be added."
                )
        elif _more(after, before):
            grows.append(f"{label}: {_amount(kind, before)} → {_amount(kind, after)}{_per(kind)}")
    return PlanChange(pauses=pauses, grows=grows, over=over)


def money(amount_minor: int, currency: str) -> str:
    """An amount in minor units as people read it: "99.00 USD"."""
    return f"{amount_minor / 100:,.2f} {currency.upper()}"
