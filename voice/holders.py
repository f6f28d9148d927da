"""The subject's voice samples and spoken consent recordings, registered with the consent
app: erased by the kill switch (rows and encrypted files) and included in the export."""

from __future__ import annotations

import uuid

from core.crypto import memorial_cipher
from core.files import memorial_file_chunks, memorial_file_delete, memorial_files_delete
from core.holders import DataHolder, ExportWriter, holder_register
from voice.models import SpokenConsent, VoiceSample
from voice.samples import SAMPLES
from voice.spoken_consent import RECORDINGS, spoken_consent_transcript


def _samples_count(memorial_id: uuid.UUID) -> int:
    return VoiceSample.objects.filter(memorial_id=memorial_id).count()


def _samples_erase(memorial_id: uuid.UUID) -> int:
    samples = VoiceSample.objects.filter(memorial_id=memorial_id)
    for path in samples.values_list("path", flat=True):
        memorial_file_delete(name=path)
    count, _ = samples.delete()
    memorial_files_delete(memorial_id=memorial_id, kind=SAMPLES)  # and any left by a crash
    return count


def _samples_export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    cipher = memorial_cipher(memorial_id=memorial_id)
    samples = list(VoiceSample.objects.filter(memorial_id=memorial_id).order_by("created_at"))
    names = {sample.id: cipher.decrypt_text(bytes(sample.name_encrypted)) for sample in samples}
    for sample in samples:
        writer.write_bytes(
            f"voice/samples/{sample.id}/{names[sample.id]}",
            memorial_file_chunks(memorial_id=memorial_id, name=sample.path),
        )
    writer.write_json(
        "voice/samples.json",
        [
            {
                "id": str(sample.id),
                "name": names[sample.id],
                "source": sample.source,
                "size": sample.size,
                "status": sample.status,
                "error": sample.error,
                "analysis": sample.analysis,
                "verdict": sample.verdict,
                "use_for_clone": sample.use_for_clone,
                "created_at": sample.created_at.isoformat(),
            }
            for sample in samples
        ],
    )


_EXTENSIONS = {
    "audio/mpeg": ".mp3",
    "audio/flac": ".flac",
    "audio/wav": ".wav",
    "audio/ogg": ".ogg",
    "audio/webm": ".webm",
    "audio/mp4": ".m4a",
    "audio/aac": ".aac",
}


def _spoken_count(memorial_id: uuid.UUID) -> int:
    return SpokenConsent.objects.filter(memorial_id=memorial_id).count()


def _spoken_erase(memorial_id: uuid.UUID) -> int:
    spoken = SpokenConsent.objects.filter(memorial_id=memorial_id)
    for path in spoken.exclude(path="").values_list("path", flat=True):
        memorial_file_delete(name=path)
    count, _ = spoken.delete()
    memorial_files_delete(memorial_id=memorial_id, kind=RECORDINGS)
    return count


def _spoken_export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    rows = list(
        SpokenConsent.objects.filter(memorial_id=memorial_id, recorded_at__isnull=False).order_by(
            "recorded_at"
        )
    )
    for spoken in rows:
        writer.write_bytes(
            f"voice/spoken_consent/{spoken.id}{_EXTENSIONS.get(spoken.mime, '')}",
            memorial_file_chunks(memorial_id=memorial_id, name=spoken.path),
        )
    writer.write_json(
        "voice/spoken_consent.json",
        [
            {
                "id": str(spoken.id),
                "consent_record": str(spoken.consent_id) if spoken.consent_id else None,
                "statement": spoken.statement,
                "phrase": spoken.phrase,
                "transcript": spoken_consent_transcript(spoken=spoken),
                "check": spoken.transcript_check,
                "checked_by": spoken.checked_by,
                "detail": spoken.detail,
                "recorded_at": spoken.recorded_at.isoformat() if spoken.recorded_at else None,
            }
            for spoken in rows
        ],
    )


def voice_subject_holders_register() -> None:
    holder_register(DataHolder(
        name="voice.samples", label="recordings of your voice",
        count=_samples_count, erase=_samples_erase, export=_samples_export, order=30,
    ))  # fmt: skip
    holder_register(DataHolder(
        name="voice.spoken_consent", label="your consent read aloud, recorded",
        count=_spoken_count, erase=_spoken_erase, export=_spoken_export, order=40,
    ))  # fmt: skip
