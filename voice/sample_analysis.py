"""Listening to one voice sample in the background (`voice.tasks.voice_sample_analyse`):
decode, measure and judge it (`voice.analysis`), and record the outcome, or why it stopped.
Each outcome is pushed to the subject's open pages as a "voice.sample" event once stored."""

from __future__ import annotations

import uuid
from pathlib import PurePath
from typing import Any

from django.utils import timezone

from core.consent import ConsentRequired, ConsentScope
from core.crypto import memorial_cipher
from core.events import EventKind, event_send_on_commit
from core.files import memorial_file_decrypted
from core.tasks import memorial_step
from voice.analysis import AudioUnreadable, audio_analyse, audio_decode, audio_mime
from voice.models import SampleStatus, VoiceSample
from voice.selectors import samples_analysing

VOICE = ConsentScope.VOICE

STOPPED_MESSAGE = (
    "Not listened to: your consent for your voice was withdrawn. Sign it again and choose "
    "Listen again."
)
FAILED_MESSAGE = "Something went wrong on our side while listening to this one. Try again later."


def sample_name(*, sample: VoiceSample) -> str:
    return memorial_cipher(memorial_id=sample.memorial_id).decrypt_text(sample.name_encrypted)


def sample_analyse(*, sample_id: uuid.UUID | str) -> VoiceSample | None:
    """Decode and measure one sample and store the verdict. A file that cannot be read is
    marked failed with its own message in plain words; nothing else is touched. Safe to run
    again. The result is written in one step that holds consent `voice`."""
    sample = VoiceSample.objects.filter(id=sample_id).first()
    if sample is None:
        return None  # deleted meanwhile
    suffix = PurePath(sample_name(sample=sample)).suffix[:16]
    fields: dict[str, Any]
    try:
        with memorial_file_decrypted(
            memorial_id=sample.memorial_id, name=sample.path, suffix=suffix
        ) as plain:
            decoded = audio_decode(plain)
            analysis = audio_analyse(decoded)
        fields = {
            "status": SampleStatus.READY,
            "error": "",
            "mime": audio_mime(decoded.container),
            "analysis": analysis.as_dict(),
            "verdict": analysis.verdict,
        }
    except AudioUnreadable as unreadable:
        fields = {
            "status": SampleStatus.FAILED,
            "error": str(unreadable),
            "analysis": {"error_kind": unreadable.kind},
            "verdict": "",
        }
    try:
        with memorial_step(memorial_id=sample.memorial_id, scope=VOICE):
            VoiceSample.objects.filter(id=sample.id).update(**fields, updated_at=timezone.now())
    except ConsentRequired:
        sample_stopped(sample_id=sample.id)
        return VoiceSample.objects.get(id=sample.id)
    sample.refresh_from_db()
    sample_event_send(sample=sample)
    return sample


def sample_event_send(*, sample: VoiceSample) -> None:
    """Tell the subject's open pages where this sample stands (once the change commits)."""
    event_send_on_commit(
        memorial_id=sample.memorial_id,
        kind=EventKind.VOICE_SAMPLE,
        data={
            "sample_id": str(sample.id),
            "status": sample.status,
            "label": sample.get_verdict_display()
            if sample.verdict
            else SampleStatus(sample.status).label,
            "analysing": samples_analysing(memorial_id=sample.memorial_id),
        },
    )


def _ended(*, sample_id: uuid.UUID | str, error: str) -> None:
    ended = VoiceSample.objects.filter(id=sample_id, status=SampleStatus.ANALYSING).update(
        status=SampleStatus.FAILED, error=error, updated_at=timezone.now()
    )
    sample = VoiceSample.objects.filter(id=sample_id).first()
    if ended and sample is not None:
        sample_event_send(sample=sample)


def sample_stopped(*, sample_id: uuid.UUID | str) -> None:
    """Consent `voice` was withdrawn before this sample was listened to."""
    _ended(sample_id=sample_id, error=STOPPED_MESSAGE)


def sample_failed(*, sample_id: uuid.UUID | str) -> None:
    """A fault of ours (retries ran out), not of the file."""
    _ended(sample_id=sample_id, error=FAILED_MESSAGE)
