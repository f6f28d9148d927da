"""The subject's voice samples: storing one (uploaded or recorded in the browser), listening
to it in the background (`voice.analysis`), leaving one out of the clone, deleting one.

A sample is kept like a corpus upload: encrypted in the kernel's file store under
`memorials/<id>/voice-samples/<sample id>.enc`, its name encrypted, and its content hash keyed
to the memorial, so the same file given twice is kept once. Adding and analysing need consent
`voice`; leaving one out and deleting need none (they only hold back or remove data).
"""

from __future__ import annotations

import logging
import uuid
from pathlib import PurePath
from typing import Any, BinaryIO

from django.core.files import File
from django.db import IntegrityError, transaction

from consent.gate import consent_require
from core.audit import audit_record
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from core.files import memorial_file_delete, memorial_file_save
from corpus.parsers import display_safe
from corpus.storage import file_sha256
from voice.models import SampleSource, SampleStatus, VoiceSample
from voice.tasks import voice_sample_analyse

logger = logging.getLogger(__name__)

SAMPLES = "voice-samples"  # the folder in the file store
VOICE = ConsentScope.VOICE


def sample_add(
    *,
    memorial_id: uuid.UUID,
    file: BinaryIO | File,
    name: str,
    source: str = SampleSource.UPLOADED,
    actor: Any = None,
) -> tuple[VoiceSample, bool]:
    """Store a recording of the subject's voice encrypted and queue its analysis. Needs
    consent `voice`. (sample, created): the same content given again returns the first."""
    consent_require(memorial_id=memorial_id, scope=VOICE)
    cipher = memorial_cipher(memorial_id=memorial_id)
    content_hash = cipher.content_digest(file_sha256(file))
    existing = VoiceSample.objects.filter(
        memorial_id=memorial_id, content_hash=content_hash
    ).first()
    if existing is not None:
        return existing, False
    sample_id = uuid.uuid4()
    path = memorial_file_save(
        memorial_id=memorial_id, kind=SAMPLES, name=f"{sample_id}.enc", source=file
    )
    shown = display_safe(PurePath(name or "recording").name)[:255]
    file.seek(0, 2)
    size = file.tell()
    try:
        with transaction.atomic():
            sample = VoiceSample.objects.create(
                id=sample_id,
                memorial_id=memorial_id,
                source=source,
                name_encrypted=cipher.encrypt_text(shown),
                size=size,
                content_hash=content_hash,
                path=path,
            )
            audit_record(
                action="voice.sample_added",
                memorial_id=memorial_id,
                actor=actor,
                data={"sample": str(sample.id), "source": source},
            )
            _analysis_queue(sample)
    except IntegrityError:
        memorial_file_delete(name=path)  # the same file, given at the same moment
        return VoiceSample.objects.get(memorial_id=memorial_id, content_hash=content_hash), False
    return sample, True


def _analysis_queue(sample: VoiceSample) -> None:
    voice_sample_analyse.enqueue(memorial_id=sample.memorial_id, sample_id=str(sample.id))


def sample_reanalyse(*, sample: VoiceSample) -> None:
    """Listen to a sample again (one stopped by a withdrawal, or after a fault of ours).
    Needs consent `voice`."""
    consent_require(memorial_id=sample.memorial_id, scope=VOICE)
    with transaction.atomic():
        sample.status, sample.error = SampleStatus.ANALYSING, ""
        sample.save(update_fields=["status", "error", "updated_at"])
        _analysis_queue(sample)


def sample_use_set(*, sample: VoiceSample, use: bool) -> None:
    """Leave a sample out of the clone, or take it back in. Needs no consent: it only
    narrows what may be used."""
    sample.use_for_clone = use
    sample.save(update_fields=["use_for_clone", "updated_at"])


def sample_delete(*, sample: VoiceSample, actor: Any = None) -> None:
    """Delete a sample: its file and its row. Needs no consent. A clone already made from it
    stays until the clone is made again or deleted."""
    with transaction.atomic():
        audit_record(
            action="voice.sample_removed",
            memorial_id=sample.memorial_id,
            actor=actor,
            data={"sample": str(sample.id)},
        )
        path = sample.path
        sample.delete()
        transaction.on_commit(lambda: memorial_file_delete(name=path))
