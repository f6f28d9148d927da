"""The subject's steps with their writing, on their memorial page's checklist
(`memorials.onboarding`): the names they write under, then a first upload."""

from __future__ import annotations

import uuid

from django.urls import reverse

from corpus.models import SubjectIdentity, Upload
from memorials.onboarding import OnboardingStep, StepStatus, onboarding_step_register


def _names_status(memorial_id: uuid.UUID) -> StepStatus:
    return StepStatus(SubjectIdentity.objects.filter(memorial_id=memorial_id).exists())


def _upload_status(memorial_id: uuid.UUID) -> StepStatus:
    return StepStatus(Upload.objects.filter(memorial_id=memorial_id).exists())


def corpus_onboarding_register() -> None:
    onboarding_step_register(
        OnboardingStep(
            name="names",
            order=20,
            title="Say which names are yours",
            sentence=(
                "List the names, email addresses and usernames you write under, so Legacy "
                "knows which words in a chat are yours and which are the other person's."
            ),
            link_text="Your names",
            url=lambda memorial_id: reverse("corpus:index", args=[memorial_id]) + "#your-names",
            status=_names_status,
        )
    )
    onboarding_step_register(
        OnboardingStep(
            name="upload",
            order=30,
            title="Add some of your writing",
            sentence=(
                "Upload an email archive, a chat export, posts or a journal: your twin learns "
                "to write as you do from these."
            ),
            link_text="Add writing",
            url=lambda memorial_id: reverse("corpus:index", args=[memorial_id]),
            status=_upload_status,
        )
    )
