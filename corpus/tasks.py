from __future__ import annotations

from celery import shared_task

from corpus import partitions
from corpus.services.uploads import upload_ingest as upload_ingest_service


@shared_task(acks_late=True, reject_on_worker_lost=True)
def upload_ingest(upload_id: str) -> None:
    """Ingest one upload. Safe to run twice (a redelivery after a worker died resumes it:
    documents already stored are skipped whole, none is stored twice)."""
    upload_ingest_service(upload_id=upload_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def passage_vector_index_build(memorial_id: str) -> None:
    """Give a memorial that has grown big enough its HNSW graph (queued after each upload)."""
    partitions.passage_vector_index_ensure(memorial_id=memorial_id)


@shared_task
def passage_partitions_sweep() -> None:
    """Drop partitions left behind by erasures that could not take the lock in time (daily)."""
    partitions.passage_partitions_sweep()
