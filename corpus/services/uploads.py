"""Uploads: storing a file, and ingesting it (parse, split, embed, store) in the background."""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import PurePath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from consent.gate import ConsentRequired, consent_require
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from core.events import EventKind, event_send_on_commit
from core.tasks import consent_task_enqueue
from corpus.models import Correspondent, Upload, UploadStatus
from corpus.parsers import FileOutcome, parse_upload
from corpus.registers import identity_normalise
from corpus.selectors import corpus_counts
from corpus.services.passages_store import CorpusPeople, document_ingest
from corpus.storage import file_sha256, upload_file_decrypted, upload_file_delete, upload_file_store

logger = logging.getLogger(__name__)

_EVENT_INTERVAL_S = 0.5  # progress events at most this often, status changes always


def upload_event_data(upload: Upload) -> dict[str, Any]:
    data: dict[str, Any] = {
        "upload_id": str(upload.id),
        "name": upload.name,
        "status": upload.status,
        "status_label": UploadStatus(upload.status).label,
        "done": upload.documents_done,
        "total": upload.documents_total,
        "passages": upload.passages_count,
        "error": upload.error,
    }
    if upload.is_finished:  # the page's header counts follow, once per upload
        data["memorial_counts"] = corpus_counts(memorial_id=upload.memorial_id)
    return data


def upload_event_send(upload: Upload) -> None:
    event_send_on_commit(
        memorial_id=upload.memorial_id, kind=EventKind.UPLOAD, data=upload_event_data(upload)
    )


def upload_create(*, memorial_id: uuid.UUID, file: UploadedFile) -> tuple[Upload, bool]:
    """Store an uploaded file encrypted and queue its ingest. (upload, created): the same
    content uploaded again returns the first upload and stores nothing."""
    consent_require(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
    sha256 = file_sha256(file)
    existing = Upload.objects.filter(memorial_id=memorial_id, sha256=sha256).first()
    if existing is not None:
        return existing, False
    upload_id = uuid.uuid4()
    path = upload_file_store(memorial_id=memorial_id, upload_id=upload_id, source=file)
    name = PurePath(file.name or "upload").name[:255]
    try:
        with transaction.atomic():
            upload = Upload.objects.create(
                id=upload_id,
                memorial_id=memorial_id,
                name=name,
                size=file.size or 0,
                sha256=sha256,
                path=path,
            )
            transaction.on_commit(lambda: _upload_queue(upload))
    except IntegrityError:
        upload_file_delete(path)  # the same file, uploaded at the same moment
        return Upload.objects.get(memorial_id=memorial_id, sha256=sha256), False
    return upload, True


def _upload_queue(upload: Upload) -> None:
    from corpus.tasks import upload_ingest as upload_ingest_task

    upload_ingest_task.delay(str(upload.id))
    upload_event_send(upload)


def upload_retry(*, upload: Upload) -> None:
    """Queue an unfinished or stopped upload again (the ingest is safe to rerun)."""
    consent_require(memorial_id=upload.memorial_id, scope=ConsentScope.CORPUS)
    _status_set(upload, UploadStatus.QUEUED, error="")
    transaction.on_commit(lambda: _upload_queue(upload))


def corpus_people(*, memorial_id: uuid.UUID) -> CorpusPeople:
    from corpus.models import SubjectIdentity

    identities = frozenset(
        identity_normalise(value)
        for value in SubjectIdentity.objects.filter(memorial_id=memorial_id).values_list(
            "value", flat=True
        )
    )
    correspondents = {
        identity_normalise(value): register
        for value, register in Correspondent.objects.filter(memorial_id=memorial_id).values_list(
            "value", "register"
        )
    }
    return CorpusPeople(identities=identities, correspondents=correspondents)


def upload_ingest(*, upload_id: uuid.UUID | str) -> Upload | None:
    """Parse, split, embed and store one upload. Safe to run again at any point: each document
    is written whole in one transaction and skipped when already stored, so a rerun after a
    crash finishes the rest and never duplicates a passage."""
    upload = Upload.objects.filter(id=upload_id).first()
    if upload is None or upload.status in (UploadStatus.DONE, UploadStatus.FAILED):
        return upload  # deleted meanwhile, or already finished: nothing to do
    try:
        consent_require(memorial_id=upload.memorial_id, scope=ConsentScope.CORPUS)
        _status_set(upload, UploadStatus.PARSING)
        suffix = PurePath(upload.name).suffix[:16]
        with upload_file_decrypted(
            memorial_id=upload.memorial_id, relative=upload.path, suffix=suffix
        ) as path:
            outcomes = parse_upload(path, upload.name)
        _outcomes_ingest(upload, outcomes)
    except ConsentRequired as refusal:
        _status_set(upload, UploadStatus.STOPPED, error=str(refusal))
    except Exception:
        # A fault of ours, not of the file (parsers report bad files as outcomes): say so
        # on the upload instead of leaving it "reading" forever; "Try again" resumes it.
        logger.exception("Ingest of upload %s failed", upload.id)
        _status_set(
            upload,
            UploadStatus.FAILED,
            error="Something went wrong on our side while reading this file. "
            "Nothing was lost: try again later.",
        )
    return upload


def _outcomes_ingest(upload: Upload, outcomes: list[FileOutcome]) -> None:
    memorial_id = upload.memorial_id
    people = corpus_people(memorial_id=memorial_id)
    cipher = memorial_cipher(memorial_id=memorial_id)
    upload.documents_total = sum(len(outcome.documents) for outcome in outcomes)
    upload.documents_done = 0
    upload.passages_count = 0
    _status_set(upload, UploadStatus.EMBEDDING)
    last_event = time.monotonic()
    summaries = []
    seen: set[uuid.UUID] = set()  # documents met in this run: a second meeting is a duplicate
    for outcome in outcomes:
        summary: dict[str, Any] = {
            "name": outcome.name,
            "format": outcome.format,
            "error": outcome.error,
            "documents": 0,
            "duplicates": 0,
            "passages": 0,
        }
        for parsed in outcome.documents:
            consent_require(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
            base = upload.passages_count

            def on_batch(written: int, base: int = base) -> None:
                nonlocal last_event
                if time.monotonic() - last_event >= _EVENT_INTERVAL_S:
                    upload.passages_count = base + written
                    upload_event_send(upload)
                    last_event = time.monotonic()

            document, created = document_ingest(
                memorial_id=memorial_id, upload=upload, parsed=parsed, people=people,
                cipher=cipher, on_batch=on_batch,
            )  # fmt: skip
            resumed = not created and document.upload_id == upload.id and document.id not in seen
            seen.add(document.id)
            if created or resumed:  # new, or stored whole by an earlier, interrupted run
                summary["documents"] += 1
                summary["passages"] += document.passages_count
                upload.passages_count = base + document.passages_count
            else:
                summary["duplicates"] += 1  # the same content came in another upload
            upload.documents_done += 1
            upload.save(update_fields=["documents_done", "passages_count", "updated_at"])
            if time.monotonic() - last_event >= _EVENT_INTERVAL_S:
                upload_event_send(upload)
                last_event = time.monotonic()
        summaries.append(summary)
    upload.outcomes = summaries
    failed = [outcome for outcome in outcomes if outcome.error]
    if failed and len(failed) == len(outcomes):
        error = (
            failed[0].error
            if len(failed) == 1
            else f"None of the {len(failed)} files could be read."
        )
        _status_set(upload, UploadStatus.FAILED, error=error)
    else:
        _status_set(upload, UploadStatus.DONE, error="")
    if upload.passages_count:
        from corpus.tasks import passage_vector_index_build

        with transaction.atomic():  # built now, after the upload, not row by row during it
            consent_task_enqueue(
                task=passage_vector_index_build, memorial_id=memorial_id,
                scope=ConsentScope.CORPUS, kwargs={"memorial_id": str(memorial_id)},
            )  # fmt: skip


def _status_set(upload: Upload, status: str, *, error: str | None = None) -> None:
    upload.status = status
    fields = ["status", "outcomes", "documents_total", "documents_done", "passages_count",
              "updated_at"]  # fmt: skip
    if error is not None:
        upload.error = error
        fields.append("error")
    upload.save(update_fields=fields)
    upload_event_send(upload)
