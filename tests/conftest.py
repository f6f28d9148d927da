"""Shared fixtures. Tests run on the real Postgres (with pgvector) and the real Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from legacy.celery import app as celery_app

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def worker_database_url() -> str:
    """A URL for the database this test session uses, for processes we start.

    dj-database-url keeps a unix-socket directory in OPTIONS["host"] (HOST stays empty);
    a percent-encoded path in the host part is libpq's spelling of a socket directory."""
    s = connection.settings_dict
    host = s["HOST"] or s["OPTIONS"].get("host", "")
    auth = quote(s["USER"] or "postgres") + (":" + quote(s["PASSWORD"]) if s["PASSWORD"] else "")
    if host.startswith("/"):
        return f"postgresql://{auth}@{quote(host, safe='')}/{s['NAME']}"
    return f"postgresql://{auth}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db: None) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process on this run's own queue and the test database."""
    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "legacy.settings.test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "LEGACY_CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
    }
    name = f"test-{os.getpid()}@localhost"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "legacy", "worker", "--pool", "solo",
         "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "-n", name, "-l", "WARNING"],
        cwd=REPO, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[name], timeout=0.5):
            assert worker.poll() is None, "the Celery worker exited while starting"
            assert time.monotonic() < deadline, "the Celery worker did not answer within 60 s"
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.fixture(autouse=True)
def _mail_delivered_at_once(monkeypatch):
    """Mail is sent by a Celery task after commit (core.mail). Tests with no worker run
    that task in-process when it is queued, so `mail.outbox` shows what was sent; the
    outbox tests (tests/core/test_mail.py) take this away to see the queue itself."""
    from core.mail import mail_deliver

    monkeypatch.setattr(
        mail_deliver, "apply_async", lambda kwargs, **options: mail_deliver.apply(kwargs=kwargs)
    )
