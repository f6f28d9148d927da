from __future__ import annotations

from celery import shared_task

from corpus.services.uploads import upload_ingest as upload_ingest_service


@shared_task(acks_late=True, reject_on_worker_lost=True)
def upload_ingest(upload_id: str) -> None:
    """Ingest one upload. Safe to run twice (a redelivery after a worker died resumes it:
    documents already stored are skipped whole, none is stored twice)."""
    upload_ingest_service(upload_id=upload_id)
