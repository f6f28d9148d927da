"""The subject's first steps, as a checklist on their memorial page.

Each step says in one plain sentence what to do and links to where it is done; it is ticked
from the data itself (a consent signed, a file uploaded, a steward invited...), never from a
flag of its own. The memorial page cannot import the apps built on it, so each app registers
the steps it owns in its AppConfig.ready(), as it does its panels (`memorials.panels`);
this module registers the steps that are memorials' own (wishes, stewards, family)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from memorials.models import (
    Invitation,
    Membership,
    Memorial,
    MemorialState,
    MemorialWishes,
    Role,
)


@dataclass(frozen=True)
class StepStatus:
    done: bool
    note: str = ""  # where a step stands when that is worth saying ("waiting for them...")


@dataclass(frozen=True)
class OnboardingStep:
    name: str
    order: int
    title: str
    sentence: str  # what to do and why, in one plain sentence
    link_text: str
    url: Callable[[uuid.UUID], str]
    status: Callable[[uuid.UUID], StepStatus]


@dataclass(frozen=True)
class StepShown:
    name: str
    title: str
    sentence: str
    link_text: str
    url: str
    done: bool
    note: str


@dataclass(frozen=True)
class Onboarding:
    steps: list[StepShown]

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def complete(self) -> bool:
        return self.done_count == self.total

    @property
    def next_step(self) -> StepShown | None:
        return next((step for step in self.steps if not step.done), None)


_STEPS: dict[str, OnboardingStep] = {}

# A subject who can still shape their memorial sees the checklist; after a death, or once it
# is closed or erased, there is nobody it could guide.
_GUIDED_STATES = (MemorialState.PRESERVING, MemorialState.SEALED, MemorialState.ACTIVE)


def onboarding_step_register(step: OnboardingStep) -> None:
    _STEPS[step.name] = step


def onboarding_for(*, membership: Membership) -> Onboarding | None:
    """The checklist for this member: the subject's own, while they live; None for others
    (and when no step is registered)."""
    memorial = membership.memorial
    if membership.role != Role.SUBJECT or memorial.state not in _GUIDED_STATES:
        return None
    if memorial.state == MemorialState.ACTIVE and memorial.opened_while_living_at is None:
        return None  # activated after a death
    steps = []
    for step in sorted(_STEPS.values(), key=lambda s: (s.order, s.name)):
        status = step.status(memorial.id)
        steps.append(
            StepShown(
                name=step.name,
                title=step.title,
                sentence=step.sentence,
                link_text=step.link_text,
                url=step.url(memorial.id),
                done=status.done,
                note=status.note,
            )
        )
    return Onboarding(steps) if steps else None


# --- memorials' own steps ------------------------------------------------------------------


def _wishes_status(memorial_id: uuid.UUID) -> StepStatus:
    return StepStatus(MemorialWishes.objects.filter(memorial_id=memorial_id).exists())


def _people_status(memorial_id: uuid.UUID, role: str, word: str) -> StepStatus:
    """Done once someone of `role` has joined, or an invitation to them is waiting (one
    query: both asked at once)."""
    found = (
        Memorial.objects.filter(pk=memorial_id)
        .annotate(
            joined=Exists(Membership.objects.filter(memorial_id=OuterRef("pk"), role=role)),
            waiting=Exists(
                Invitation.objects.filter(
                    memorial_id=OuterRef("pk"),
                    role=role,
                    accepted_at__isnull=True,
                    revoked_at__isnull=True,
                    expires_at__gt=timezone.now(),
                )
            ),
        )
        .values("joined", "waiting")
        .first()
    ) or {"joined": False, "waiting": False}
    if found["joined"]:
        return StepStatus(True)
    if found["waiting"]:
        return StepStatus(True, f"Invited: waiting for your {word} to accept.")
    return StepStatus(False)


def _invite_url(role: str) -> Callable[[uuid.UUID], str]:
    """The invitation form on the memorial page, with `role` chosen."""

    def url(memorial_id: uuid.UUID) -> str:
        return reverse("memorials:detail", args=[memorial_id]) + f"?role={role}#invite"

    return url


def memorials_onboarding_register() -> None:
    onboarding_step_register(
        OnboardingStep(
            name="wishes",
            order=40,
            title="Say what you wish",
            sentence=(
                "Choose who may talk with your twin, what it must never talk about, "
                "and how long it should last."
            ),
            link_text="Your wishes",
            url=lambda memorial_id: reverse("memorials:wishes", args=[memorial_id]),
            status=_wishes_status,
        )
    )
    onboarding_step_register(
        OnboardingStep(
            name="stewards",
            order=50,
            title="Invite a steward",
            sentence=(
                "A steward is someone you trust to look after your Legacy and to tell "
                "Legacy when you have died; one is enough, two are safer."
            ),
            link_text="Invite a steward",
            url=_invite_url(Role.STEWARD),
            status=lambda memorial_id: _people_status(memorial_id, Role.STEWARD, "steward"),
        )
    )
    onboarding_step_register(
        OnboardingStep(
            name="family",
            order=60,
            title="Invite your family",
            sentence=(
                "Invite the people who may one day talk with your twin; nobody can until "
                "you or your wishes allow it."
            ),
            link_text="Invite family",
            url=_invite_url(Role.FAMILY),
            status=lambda memorial_id: _people_status(memorial_id, Role.FAMILY, "family"),
        )
    )
