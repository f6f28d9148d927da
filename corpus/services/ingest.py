"""Ingesting one upload in the background: parse, split, embed, store, document by document.

Run by `corpus.tasks.upload_ingest` on the kernel's consent-bound task base. Documents stream
from the parsers to the store: each is written as soon as it is parsed, before the next is
read (small ones a few at a time, once `EMBEDDED_TOGETHER` passages of them are embedded
together), so the memory an ingest takes follows its largest document, not the upload's size
(a chat export is one document, read whole). Each document is
written in one step (`core.tasks.memorial_step`): whole, or, if the corpus consent is
withdrawn before it commits, not at all; the upload then says it was stopped.
"""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from core.consent import ConsentRequired, ConsentScope
from core.crypto import MemorialCipher, memorial_cipher
from core.events import EventKind, event_send_on_commit, event_send_progress
from core.tasks import memorial_step
from corpus.models import Correspondent, SubjectIdentity, Upload, UploadStatus
from corpus.parsers import ArchiveLimits, FileReading, ParsedDocument, ReadProgress, parse_upload
from corpus.passages import PassageDraft, split_document
from corpus.registers import identity_normalise
from corpus.selectors import corpus_counts, upload_name, upload_row
from corpus.services.passages_store import (
    CorpusPeople,
    EmbeddedDrafts,
    document_ingest,
    document_stored,
    documents_embed,
)
from corpus.signals import corpus_changed_send
from corpus.storage import upload_file_decrypted

logger = logging.getLogger(__name__)

_EVENT_INTERVAL_S = 0.5  # progress events at most this often, status changes always
# New documents smaller than this (passages, and characters of their text) wait to be
# embedded together, up to this much at a time: a mailbox of 2,000 emails ingests in 31-32 s
# against 49-51 s one by one (bench/ingest_throughput.py --mailbox). A larger document is
# embedded alone, batch by batch as it is written.
EMBEDDED_TOGETHER = 64
EMBEDDED_TOGETHER_CHARS = 128 * 1024
# Statuses an ingest may advance from; a stopped upload waits for the subject's "Try again".
_IN_PROGRESS = (UploadStatus.QUEUED, UploadStatus.PARSING, UploadStatus.EMBEDDING)

STOPPED_MESSAGE = (
    "Stopped because consent was withdrawn. Nothing more was read from this file; what was "
    "stored before stays until you delete it. Sign the consent again and choose Try again "
    "to finish it."
)
FAILED_MESSAGE = (
    "Something went wrong on our side while reading this file. Nothing was lost: try again later."
)


def upload_event_data(
    upload: Upload,
    *,
    progress: ReadProgress | None = None,
    embedding: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """The upload's event payload. `total` is the number of documents once the upload is
    finished (0 while it is read: documents are counted as they come); `progress`, while
    reading, adds how many of the upload's files are read; `embedding`, while a document is
    indexed, how many of its passages are embedded, of how many. A finished upload also
    says what its files were read as (`formats_read`) and each file's own error."""
    data: dict[str, Any] = {
        "upload_id": str(upload.id),
        "name": upload_name(upload=upload),
        "status": upload.status,
        "status_label": UploadStatus(upload.status).label,
        "done": upload.documents_done,
        "total": upload.documents_total,
        "passages": upload.passages_count,
        "error": upload.error,
    }
    if progress is not None:
        data["files_done"] = progress.files_done
        data["files_total"] = progress.files_total
    if embedding is not None:
        data["passages_embedded"], data["passages_to_embed"] = embedding
    if upload.is_finished:  # the page's header counts follow, once per upload
        data["memorial_counts"] = corpus_counts(memorial_id=upload.memorial_id)
        row = upload_row(upload=upload)  # and what its files were read as, as on a reload
        data["formats_read"] = row.formats_read
        data["file_errors"] = [f"{o['name']}: {o['error']}" for o in row.file_errors]
    return data


def upload_event_send(upload: Upload) -> None:
    """The upload as it is now, to the subject's open pages once this transaction commits."""
    event_send_on_commit(
        memorial_id=upload.memorial_id, kind=EventKind.UPLOAD, data=upload_event_data(upload)
    )


def upload_progress_send(
    upload: Upload,
    *,
    progress: ReadProgress | None = None,
    embedding: tuple[int, int] | None = None,
) -> None:
    """How far the ingest is, now, even from inside a document's step (its bar moves while
    it embeds); the upload's next status, sent on commit, says how it ended."""
    event_send_progress(
        memorial_id=upload.memorial_id,
        kind=EventKind.UPLOAD,
        data=upload_event_data(upload, progress=progress, embedding=embedding),
    )


def upload_status_set(upload: Upload, status: str, *, error: str | None = None) -> bool:
    """Move an upload on, unless it was stopped meanwhile (a withdrawal stops it from
    another process; only the subject's "Try again" queues it again). True if it moved."""
    upload.status = status
    fields: dict[str, Any] = {
        "status": status,
        "outcomes_encrypted": upload.outcomes_encrypted,
        "documents_total": upload.documents_total,
        "documents_done": upload.documents_done,
        "passages_count": upload.passages_count,
        "updated_at": timezone.now(),
    }
    if error is not None:
        upload.error = error
        fields["error"] = error
    moved = Upload.objects.filter(pk=upload.pk, status__in=_IN_PROGRESS).update(**fields)
    if not moved:
        upload.refresh_from_db()
        return False
    upload_event_send(upload)
    return True


def upload_stopped(*, upload_id: uuid.UUID | str) -> None:
    """The corpus consent was withdrawn: this upload stops where it is, and says why."""
    Upload.objects.filter(pk=upload_id, status__in=_IN_PROGRESS).update(
        status=UploadStatus.STOPPED, error=STOPPED_MESSAGE, updated_at=timezone.now()
    )
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is not None and upload.status == UploadStatus.STOPPED:
        upload_event_send(upload)


def upload_failed(*, upload_id: uuid.UUID | str) -> None:
    """A fault of ours, not of the file (parsers report bad files as outcomes)."""
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is not None:
        upload_status_set(upload, UploadStatus.FAILED, error=FAILED_MESSAGE)


def corpus_people(*, memorial_id: uuid.UUID, cipher: MemorialCipher) -> CorpusPeople:
    """The subject's identities and correspondents, decrypted (a memorial has a few)."""
    identities = frozenset(
        identity_normalise(cipher.decrypt_text(value))
        for value in SubjectIdentity.objects.filter(memorial_id=memorial_id).values_list(
            "value_encrypted", flat=True
        )
    )
    correspondents = {
        identity_normalise(cipher.decrypt_text(value)): register
        for value, register in Correspondent.objects.filter(memorial_id=memorial_id).values_list(
            "value_encrypted", "register"
        )
    }
    return CorpusPeople(identities=identities, correspondents=correspondents)


def upload_ingest(*, upload_id: uuid.UUID | str) -> Upload | None:
    """Parse, split, embed and store one upload. Safe to run again at any point: each document
    is written whole in one step and skipped when already stored, so a rerun after a crash
    finishes the rest and never duplicates a passage. Database errors propagate (the task
    retries them); a withdrawn consent stops the upload; any other fault fails it, saying so."""
    upload = Upload.objects.filter(id=upload_id).first()
    if upload is None or upload.status not in _IN_PROGRESS:
        return upload  # deleted, finished or stopped meanwhile: nothing to do
    try:
        if not upload_status_set(upload, UploadStatus.PARSING):
            return upload
        name = upload_name(upload=upload)
        suffix = PurePath(name).suffix[:16]
        progress = ReadProgress()
        with upload_file_decrypted(
            memorial_id=upload.memorial_id, relative=upload.path, suffix=suffix
        ) as path:
            readings = parse_upload(path, name, limits=corpus_archive_limits(), progress=progress)
            with closing(readings):
                _readings_ingest(upload, readings, progress)
    except ConsentRequired:
        upload_stopped(upload_id=upload.id)
    except (OperationalError, InterfaceError):
        raise
    except Exception:
        logger.exception("Ingest of upload %s failed", upload.id)
        upload_status_set(upload, UploadStatus.FAILED, error=FAILED_MESSAGE)
    upload.refresh_from_db()
    return upload


def _together_full(drafts: list[list[PassageDraft]]) -> bool:
    """Whether these documents' passages are as many as are embedded together, or as long."""
    passages = [draft for each in drafts for draft in each]
    return (
        len(passages) >= EMBEDDED_TOGETHER
        or sum(len(draft.embedded_text) for draft in passages) >= EMBEDDED_TOGETHER_CHARS
    )


def corpus_archive_limits() -> ArchiveLimits:
    """The limits every archive in an upload is read under, from the settings."""
    return ArchiveLimits(
        max_members=settings.CORPUS_ARCHIVE_MAX_MEMBERS,
        max_total_bytes=settings.CORPUS_ARCHIVE_MAX_TOTAL_MB * 1024**2,
        max_member_bytes=settings.CORPUS_ARCHIVE_MAX_MEMBER_MB * 1024**2,
        max_ratio=settings.CORPUS_ARCHIVE_MAX_RATIO,
        max_depth=settings.CORPUS_ARCHIVE_MAX_DEPTH,
    )


def _readings_ingest(
    upload: Upload, readings: Iterator[FileReading], progress: ReadProgress
) -> None:
    """Write each document as it is parsed (a small one once `EMBEDDED_TOGETHER` passages
    of them wait, or the readings end); a file's summary once its documents are read."""
    memorial_id = upload.memorial_id
    cipher = memorial_cipher(memorial_id=memorial_id)
    people = corpus_people(memorial_id=memorial_id, cipher=cipher)
    upload.documents_total = 0  # known once every file is read
    upload.documents_done = 0
    upload.passages_count = 0
    last_event = -math.inf  # the first progress goes at once
    summaries = []
    seen: set[uuid.UUID] = set()  # documents met in this run: a second meeting is a duplicate
    # Small new documents wait here to be embedded together (`documents_embed`).
    waiting: list[tuple[ParsedDocument, list[PassageDraft], dict[str, Any]]] = []

    def document_write(
        parsed: ParsedDocument, summary: dict[str, Any], embedded: EmbeddedDrafts | None
    ) -> None:
        nonlocal last_event
        base = upload.passages_count

        def on_batch(written: int, total: int) -> None:
            # At most one event an interval, a document's start (nothing embedded yet)
            # included: a large document's bar shows its size, then moves batch by batch,
            # and a mailbox of small messages does not send one event each.
            nonlocal last_event
            if time.monotonic() - last_event >= _EVENT_INTERVAL_S:
                upload.passages_count = base + written
                upload_progress_send(upload, progress=progress, embedding=(written, total))
                last_event = time.monotonic()

        document, created = document_ingest(
            memorial_id=memorial_id, upload=upload, parsed=parsed, people=people,
            cipher=cipher, on_batch=on_batch, embedded=embedded,
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
        Upload.objects.filter(pk=upload.pk, status__in=_IN_PROGRESS).update(
            documents_done=upload.documents_done,
            passages_count=upload.passages_count,
            updated_at=timezone.now(),
        )
        if time.monotonic() - last_event >= _EVENT_INTERVAL_S:
            upload_progress_send(upload, progress=progress)
            last_event = time.monotonic()

    def waiting_write() -> None:
        embedded = documents_embed(
            memorial_id=memorial_id, drafts=[drafts for _, drafts, _ in waiting]
        )
        for (parsed, _, summary), each in zip(waiting, embedded, strict=True):
            document_write(parsed, summary, each)
        waiting.clear()

    for reading in readings:
        summary: dict[str, Any] = {
            "name": reading.name,
            "format": reading.format,
            "error": "",
            "documents": 0,
            "duplicates": 0,
            "passages": 0,
        }
        for parsed in reading.documents:
            if upload.status != UploadStatus.EMBEDDING:
                upload_status_set(upload, UploadStatus.EMBEDDING)
            drafts = split_document(parsed)
            stored = document_stored(memorial_id=memorial_id, parsed=parsed, cipher=cipher)
            if stored is None and not _together_full([drafts]):
                waiting.append((parsed, drafts, summary))
                if _together_full([each for _, each, _ in waiting]):
                    waiting_write()
                continue
            # In reading order: those waiting first. A large document is embedded batch by
            # batch as it is written; a stored one is not embedded again.
            if waiting:
                waiting_write()
            document_write(parsed, summary, None)
        summary["error"] = reading.error  # final once its documents are read
        summaries.append(summary)
        # (while documents wait, the next event is the first one's writing)
        if not waiting and time.monotonic() - last_event >= _EVENT_INTERVAL_S:
            upload_progress_send(upload, progress=progress)
            last_event = time.monotonic()
    if waiting:
        waiting_write()
    upload.outcomes_encrypted = cipher.encrypt_text(json.dumps(summaries))
    upload.documents_total = upload.documents_done
    # A file that gave documents and then an error (a mailbox with some messages skipped)
    # was read; one that gave none failed.
    failed = [s for s in summaries if s["error"] and not (s["documents"] or s["duplicates"])]
    # The last word, like every document, commits only while the consent holds.
    with memorial_step(memorial_id=memorial_id, scope=ConsentScope.CORPUS):
        if failed and len(failed) == len(summaries):
            error = (
                failed[0]["error"]
                if len(failed) == 1
                else f"None of the {len(failed)} files could be read."
            )
            upload_status_set(upload, UploadStatus.FAILED, error=error)
        else:
            moved = upload_status_set(upload, UploadStatus.DONE, error="")
            if moved and upload.passages_count:
                corpus_changed_send(memorial_id=memorial_id, reason="new writing was added")
