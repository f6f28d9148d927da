"""What the kernel knows of plans: the kinds of allowance a memorial's plan grants, the answer
to "may this memorial do X now, and how much is left", and the interface of the one place
that answers it.

The rules live in the `billing` app above this one (plans, subscriptions, usage); it installs
itself here when it is ready (`allowance_rules_install`), as the consent gate does, so every
app that spends an allowance asks `allowance_check` without importing upward. With no rules
installed, every check refuses: nothing is spent unchecked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from django.db import models


class AllowanceKind(models.TextChoices):
    """Each thing a plan grants. Monthly ones are counted per calendar month, for every
    memorial whatever its billing period (`billing.entitlements`); the others are a standing
    limit (members, size) or a feature (0 or 1)."""

    FAMILY_MEMBERS = "family_members", "Family members"
    CORPUS_MB = "corpus_mb", "Writing kept (MB)"
    PREVIEW_MESSAGES = "preview_messages", "Your own preview messages a month"
    FAMILY_MESSAGES = "family_messages", "Family messages a month"
    VOICE_MINUTES = "voice_minutes", "Spoken minutes a month"
    VOICE_CLONE = "voice_clone", "A cloned voice"


MONTHLY_KINDS = frozenset(
    {AllowanceKind.PREVIEW_MESSAGES, AllowanceKind.FAMILY_MESSAGES, AllowanceKind.VOICE_MINUTES}
)


@dataclass(frozen=True)
class Allowance:
    """The answer for one memorial and one kind, now.

    `quota` None is unlimited (then `left` is None too); `allowed` is whether `amount` more
    may be spent; `reason` is a plain sentence when it may not (shown to people)."""

    kind: str
    allowed: bool
    quota: int | None
    used: int
    left: int | None
    plan_name: str
    reason: str = ""

    @property
    def share_used(self) -> float:
        """0.0 to 1.0 (and beyond, if over): what part of the quota is spent."""
        if not self.quota:
            return 0.0 if self.quota is None else 1.0
        return self.used / self.quota


class AllowanceExceeded(Exception):
    """What was asked would spend more than the plan allows; `str()` is the plan's reason,
    in plain words, for the page."""


class AllowanceRules(Protocol):
    def check(self, *, memorial_id: uuid.UUID | str, kind: str, amount: int = 1) -> Allowance:
        """May this memorial spend `amount` more of `kind` now, and how much is left."""

    def spent(self, *, memorial_id: uuid.UUID | str, kind: str) -> Allowance:
        """After a spend was counted: how much is left now (the rules may tell the payer
        that the allowance is nearly or all used)."""


class _Closed:
    def check(self, *, memorial_id: uuid.UUID | str, kind: str, amount: int = 1) -> Allowance:
        return Allowance(
            kind=kind,
            allowed=False,
            quota=0,
            used=0,
            left=0,
            plan_name="",
            reason="Plans are not set up on this server.",
        )

    def spent(self, *, memorial_id: uuid.UUID | str, kind: str) -> Allowance:
        return self.check(memorial_id=memorial_id, kind=kind)


_rules: AllowanceRules = _Closed()


def allowance_rules_install(rules: AllowanceRules) -> None:
    global _rules
    _rules = rules


def allowance_check(*, memorial_id: uuid.UUID | str, kind: str, amount: int = 1) -> Allowance:
    """The one question every place that spends an allowance asks (see `billing.entitlements`)."""
    return _rules.check(memorial_id=memorial_id, kind=AllowanceKind(kind), amount=amount)


def allowance_spent(*, memorial_id: uuid.UUID | str, kind: str) -> Allowance:
    """Called once a spend of `kind` has been counted: the allowance as it stands now (its
    `left` 0 means that spend used the last of it)."""
    return _rules.spent(memorial_id=memorial_id, kind=AllowanceKind(kind))
