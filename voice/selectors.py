"""Reads for the voice app."""

from __future__ import annotations

import uuid

from voice.models import SpokenConsent, TranscriptCheck

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
