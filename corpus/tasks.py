"""The corpus's background work, on the kernel's consent-bound task base (`core.tasks`)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import worker_init
from django.db import transaction

from core.consent import ConsentScope
from core.tasks import KernelTask, MemorialTask
from corpus import partitions
from corpus.embeddings import embedding_model_prepare
from corpus.models import UploadStatus
from corpus.services import deletions, ingest


@worker_init.connect
def embedding_model_ready(**_: Any) -> None:
    """A worker starting prepares the embedding model (once per machine: made already by
    `make run`, or by another worker, it is only found), in its main process before its
    children fork, so no upload waits for it."""
    embedding_model_prepare()


class UploadIngestTask(MemorialTask):
    scope = ConsentScope.CORPUS

    def consent_withdrawn(self, **kwargs: Any) -> None:
        ingest.upload_stopped(upload_id=kwargs["upload_id"])

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        # Retries of database errors ran out: say so on the upload, which "Try again" resumes.
        ingest.upload_failed(upload_id=kwargs["upload_id"])


@shared_task(base=MemorialTask, scope=ConsentScope.CORPUS)
def passage_vector_index_build(*, memorial_id: str) -> None:
    """Give a memorial that has grown big enough its HNSW graph (queued after each upload)."""
    partitions.passage_vector_index_ensure(memorial_id=memorial_id)


@shared_task(base=UploadIngestTask)
def upload_ingest(*, memorial_id: str, upload_id: str) -> None:
    """Ingest one upload, then have the memorial's HNSW graph built or grown (after the
    upload, not row by row during it). Safe to run twice: a redelivery after a worker died
    resumes it; documents already stored are skipped whole, none is stored twice."""
    upload = ingest.upload_ingest(upload_id=upload_id)
    if upload is not None and upload.status == UploadStatus.DONE and upload.passages_count:
        with transaction.atomic():
            passage_vector_index_build.enqueue(memorial_id=memorial_id)


@shared_task(base=KernelTask)
def passage_partitions_sweep() -> None:
    """Drop partitions left behind by erasures that could not take the lock in time (daily)."""
    partitions.passage_partitions_sweep()


@shared_task(base=KernelTask)
def deletions_purge() -> None:
    """Delete for good the passages and documents set aside longer than the undo window
    (hourly)."""
    deletions.deletions_purge()
