"""Reads for the voice app."""

from __future__ import annotations

import uuid

from consent.gate import consent_is_granted
from core.consent import ConsentScope
from voice.models import SpokenConsent, TranscriptCheck, VoiceClone

# A spoken consent counts when its words were heard to match, or when no speech-to-text was
# available to check them (the page says so); never when they were heard not to match.
SPOKEN_CONSENT_COUNTS = (TranscriptCheck.MATCHED, TranscriptCheck.UNCHECKED)


def spoken_consent_live(*, memorial_id: uuid.UUID | str) -> SpokenConsent | None:
    """The spoken consent given with the memorial's live `voice` consent record, if any.
    No clone is made without one."""
    return (
        SpokenConsent.objects.filter(
            memorial_id=memorial_id,
            consent__revoked_at__isnull=True,
            consent__scope="voice",
            transcript_check__in=SPOKEN_CONSENT_COUNTS,
        )
        .order_by("-recorded_at")
        .first()
    )


def voice_clone_current(*, memorial_id: uuid.UUID | str, provider: str) -> VoiceClone | None:
    """The clone replies are spoken with: the newest one `provider` made that is not deleted,
    and only while the `voice` consent is live (a withdrawal deletes them soon after)."""
    if not consent_is_granted(memorial_id=memorial_id, scope=ConsentScope.VOICE):
        return None
    return (
        VoiceClone.objects.filter(
            memorial_id=memorial_id, provider=provider, deleted_at__isnull=True
        )
        .order_by("-created_at")
        .first()
    )
