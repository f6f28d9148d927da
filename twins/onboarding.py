"""The subject's step with their twin, on their memorial page's checklist
(`memorials.onboarding`): a first build, whose portrait of their writing they can read."""

from __future__ import annotations

import uuid

from django.urls import reverse

from memorials.onboarding import OnboardingStep, StepStatus, onboarding_step_register
from twins.models import BuildStatus, TwinVersion


def _portrait_status(memorial_id: uuid.UUID) -> StepStatus:
    built = TwinVersion.objects.filter(twin__memorial_id=memorial_id, status=BuildStatus.READY)
    return StepStatus(built.exists())


def twins_onboarding_register() -> None:
    onboarding_step_register(
        OnboardingStep(
            name="portrait",
            order=70,
            title="Build your twin and read its portrait",
            sentence=(
                "Build your twin from your writing, then read how it describes the way you "
                "write, and correct what it got wrong."
            ),
            link_text="Your twin",
            url=lambda memorial_id: reverse("twins:overview", args=[memorial_id]),
            status=_portrait_status,
        )
    )
