"""Uploads: storing a file encrypted, and queuing its ingest (`corpus.services.ingest`)."""

from __future__ import annotations

import math
import uuid
from pathlib import PurePath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from consent.gate import consent_require
from core.allowances import AllowanceExceeded, AllowanceKind, allowance_check
from core.audit import audit_record
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from corpus.models import Upload, UploadStatus
from corpus.parsers import display_safe
from corpus.services.ingest import upload_event_send
from corpus.storage import file_sha256, upload_file_delete, upload_file_store
from corpus.tasks import upload_ingest


def upload_create(
    *, memorial_id: uuid.UUID, file: UploadedFile, actor: Any = None
) -> tuple[Upload, bool]:
    """Store an uploaded file encrypted and queue its ingest, audited (its size, never its
    name). (upload, created): the same content uploaded again returns the first upload and
    stores nothing. AllowanceExceeded when the plan has no room left for it."""
    consent_require(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
    sha256 = memorial_cipher(memorial_id=memorial_id).content_digest(file_sha256(file))
    existing = Upload.objects.filter(memorial_id=memorial_id, sha256=sha256).first()
    if existing is not None:
        return existing, False
    # The plan's room for writing (core.allowances): AllowanceExceeded, nothing stored.
    room = allowance_check(
        memorial_id=memorial_id,
        kind=AllowanceKind.CORPUS_MB,
        amount=math.ceil((file.size or 0) / 1024**2),
    )
    if not room.allowed:
        raise AllowanceExceeded(room.reason)
    upload_id = uuid.uuid4()
    path = upload_file_store(memorial_id=memorial_id, upload_id=upload_id, source=file)
    # Shown on pages and in events: control and bidi-override characters written out.
    name = display_safe(PurePath(file.name or "upload").name)[:255]
    cipher = memorial_cipher(memorial_id=memorial_id)
    try:
        with transaction.atomic():
            upload = Upload.objects.create(
                id=upload_id,
                memorial_id=memorial_id,
                name_encrypted=cipher.encrypt_text(name),
                outcomes_encrypted=cipher.encrypt_text("[]"),
                size=file.size or 0,
                sha256=sha256,
                path=path,
            )
            audit_record(
                action="corpus.upload_created",
                memorial_id=memorial_id,
                actor=actor,
                data={"upload": str(upload_id), "bytes": upload.size},
            )
            _upload_queue(upload)
    except IntegrityError:
        upload_file_delete(path)  # the same file, uploaded at the same moment
        return Upload.objects.get(memorial_id=memorial_id, sha256=sha256), False
    return upload, True


def _upload_queue(upload: Upload) -> None:
    upload_ingest.enqueue(memorial_id=upload.memorial_id, upload_id=str(upload.id))
    upload_event_send(upload)


def upload_retry(*, upload: Upload) -> None:
    """Queue an unfinished or stopped upload again (the ingest is safe to rerun)."""
    consent_require(memorial_id=upload.memorial_id, scope=ConsentScope.CORPUS)
    with transaction.atomic():
        upload.status, upload.error = UploadStatus.QUEUED, ""
        upload.save(update_fields=["status", "error", "updated_at"])
        _upload_queue(upload)
