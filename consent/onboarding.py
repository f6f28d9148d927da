"""The subject's first step, on their memorial page's checklist (`memorials.onboarding`)."""

from __future__ import annotations

import uuid

from django.urls import reverse

from consent.gate import consent_is_granted
from core.consent import ConsentScope
from memorials.onboarding import OnboardingStep, StepStatus, onboarding_step_register


def _consent_status(memorial_id: uuid.UUID) -> StepStatus:
    return StepStatus(consent_is_granted(memorial_id=memorial_id, scope=ConsentScope.CORPUS))


def consent_onboarding_register() -> None:
    onboarding_step_register(
        OnboardingStep(
            name="consents",
            order=10,
            title="Give your consent",
            sentence=(
                "Read and sign what you agree to: Legacy keeps your writing only with your "
                "consent, and you can withdraw it at any time."
            ),
            link_text="Read and sign",
            url=lambda memorial_id: reverse(
                "consent:sign", args=[memorial_id, ConsentScope.CORPUS.value]
            ),
            status=_consent_status,
        )
    )
