"""The subject's last first step, on their memorial page's checklist
(`memorials.onboarding`): talking with their own twin before anyone else does."""

from __future__ import annotations

import uuid

from django.db.models import F
from django.urls import reverse

from conversations.models import Conversation
from memorials.onboarding import OnboardingStep, StepStatus, onboarding_step_register


def _preview_status(memorial_id: uuid.UUID) -> StepStatus:
    """Done once the subject has sent their twin a message (their conversation has turns)."""
    own = Conversation.objects.filter(
        memorial_id=memorial_id, visitor_id=F("memorial__subject_id"), last_seq__gt=0
    )
    return StepStatus(own.exists())


def conversations_onboarding_register() -> None:
    onboarding_step_register(
        OnboardingStep(
            name="preview",
            order=80,
            title="Talk with your twin yourself",
            sentence=(
                "Try a first conversation, to hear how your twin sounds before anyone else "
                "does; only you can see it."
            ),
            link_text="Talk with your twin",
            url=lambda memorial_id: reverse("conversations:page", args=[memorial_id]),
            status=_preview_status,
        )
    )
