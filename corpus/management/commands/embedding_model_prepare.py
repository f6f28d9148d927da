"""`manage.py embedding_model_prepare`: make the local embedding model ready before the first
upload (run by `make run`; a Celery worker does it too as it starts)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from corpus.embeddings import embedding_model_prepare


class Command(BaseCommand):
    help = "Prepare the local embedding model once (quietly), so the first upload need not."

    def handle(self, *args: Any, **options: Any) -> None:
        embedding_model_prepare()
