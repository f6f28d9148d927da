"""Reads for the voice app."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from consent.gate import consent_is_granted
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from voice.analysis import SetVerdict, set_verdict
from voice.models import (
    SampleStatus,
    SampleVerdict,
    SpokenConsent,
    TranscriptCheck,
    VoiceClone,
    VoiceSample,
)

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


def spoken_consent_latest(*, memorial_id: uuid.UUID | str) -> SpokenConsent | None:
    """The newest spoken consent recorded for the live `voice` consent record, whatever its
    check said (the page shows a mismatch, and asks to try again)."""
    return (
        SpokenConsent.objects.filter(
            memorial_id=memorial_id,
            consent__revoked_at__isnull=True,
            consent__scope="voice",
            recorded_at__isnull=False,
        )
        .order_by("-recorded_at")
        .first()
    )


# --- samples ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleRow:
    sample: VoiceSample
    name: str

    @property
    def advice(self) -> list[str]:
        return list(self.sample.analysis.get("advice", []))


def sample_list(*, memorial_id: uuid.UUID | str) -> list[SampleRow]:
    """The memorial's samples, newest first, with their names decrypted."""
    samples = list(VoiceSample.objects.filter(memorial_id=memorial_id).order_by("-created_at"))
    if not samples:
        return []
    cipher = memorial_cipher(memorial_id=samples[0].memorial_id)
    return [
        SampleRow(sample, cipher.decrypt_text(bytes(sample.name_encrypted))) for sample in samples
    ]


def sample_get(*, memorial_id: uuid.UUID | str, sample_id: uuid.UUID | str) -> VoiceSample | None:
    return VoiceSample.objects.filter(memorial_id=memorial_id, id=sample_id).first()


def samples_for_clone(*, memorial_id: uuid.UUID | str) -> list[VoiceSample]:
    """Samples the subject lets the clone use, analysed and not judged poor."""
    return list(
        VoiceSample.objects.filter(
            memorial_id=memorial_id,
            use_for_clone=True,
            status=SampleStatus.READY,
            verdict__in=[SampleVerdict.GOOD, SampleVerdict.USABLE],
        ).order_by("created_at")
    )


def sample_set_verdict(*, memorial_id: uuid.UUID | str) -> SetVerdict:
    """The verdict on the samples the clone may use, taken together."""
    return set_verdict([sample.analysis for sample in samples_for_clone(memorial_id=memorial_id)])


def samples_analysing(*, memorial_id: uuid.UUID | str) -> int:
    return VoiceSample.objects.filter(
        memorial_id=memorial_id, status=SampleStatus.ANALYSING
    ).count()
