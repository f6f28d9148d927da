"""Shared fixtures. Tests run on the real Postgres (with pgvector) and the real Redis, and
as the app's own database role (core.roles): the test database is made and migrated as the
owner, then the tests connect as the app, so a privilege the app lacks fails here too."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from django.db import connection

from core.roles import AUDIT_TABLES, connected_as_owner
from legacy.celery import app as celery_app
from tests.billing.factories import plans_install

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker,
    django_db_keepdb: bool,
    django_db_createdb: bool,
    django_db_modify_db_settings: None,
) -> Iterator[None]:
    """pytest-django's, with the test database made, migrated (and the app role granted its
    privileges, by core's `migrate`) and dropped as the owner; the tests run as the app."""
    from django.test.utils import setup_databases, teardown_databases

    keepdb = django_db_keepdb and not django_db_createdb
    verbosity = request.config.option.verbose
    with django_db_blocker.unblock(), connected_as_owner(connection):
        db_cfg = setup_databases(
            verbosity=verbosity, interactive=False, keepdb=keepdb, serialized_aliases=set()
        )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock(), connected_as_owner(connection):
            _other_sessions_end(connection.settings_dict["NAME"])
            teardown_databases(db_cfg, verbosity=verbosity)


def _other_sessions_end(database: str) -> None:
    """A connection some thread of the run left open (a live server's, a worker's) would
    keep the test database from being dropped: end them, as its owner may."""
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )


@pytest.fixture(scope="session")
def database_owner(django_db_setup: None) -> Iterator[psycopg.Connection]:
    """The test database as its owner (autocommit): for what the app may not do, such as
    tampering with the audit log on purpose."""
    from django.conf import settings

    url = urlsplit(settings.DATABASE_OWNER_URL)
    owner = psycopg.connect(
        urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"])), autocommit=True
    )
    owner.execute("SET lock_timeout = '10s'")  # fail, rather than hang, behind a test's lock
    yield owner
    owner.close()


def audit_log_empty(owner: psycopg.Connection) -> None:
    """Empty the audit tables, past their append-only triggers (only their owner can)."""
    tables = ", ".join(AUDIT_TABLES)
    with owner.transaction():
        for table in AUDIT_TABLES:
            owner.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        owner.execute(f"TRUNCATE {tables}")
        for table in AUDIT_TABLES:
            owner.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


_DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _audit_log_fresh(request: pytest.FixtureRequest) -> None:
    """Each database test starts with an empty audit log, as it did when Django's flush
    emptied it after a transactional test. Flush runs as the app, which may not empty the
    audit tables, so it leaves them out (they are unmanaged); the owner empties them here,
    before the test, when an earlier one left committed events behind."""
    uses_database = request.node.get_closest_marker("django_db") is not None or bool(
        _DATABASE_FIXTURES & set(request.fixturenames)
    )
    if not uses_database:
        return
    owner: psycopg.Connection = request.getfixturevalue("database_owner")
    left = " OR ".join(f"EXISTS (SELECT 1 FROM {table})" for table in AUDIT_TABLES)
    row = owner.execute(f"SELECT {left}").fetchone()
    if row and row[0]:
        audit_log_empty(owner)


@pytest.fixture(autouse=True)
def _plans_seeded(request: pytest.FixtureRequest) -> None:
    """The plans the billing data migration seeds, there for every database test (a
    transactional test's flush removes migration data; `plans_install` is idempotent)."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not (_DATABASE_FIXTURES & names):
        return
    if "django_db_reset_sequences" in names:
        request.getfixturevalue("django_db_reset_sequences")
    elif {"transactional_db", "live_server"} & names or (
        marker is not None and marker.kwargs.get("transaction")
    ):
        request.getfixturevalue("transactional_db")
    else:
        request.getfixturevalue("db")
    plans_install()


def worker_database_url() -> str:
    """A URL for the database this test session uses, as the app role, for processes we
    start (a Celery worker runs as the app).

    dj-database-url keeps a unix-socket directory in OPTIONS["host"] (HOST stays empty);
    a percent-encoded path in the host part is libpq's spelling of a socket directory."""
    s = connection.settings_dict
    host = s["HOST"] or s["OPTIONS"].get("host", "")
    auth = quote(s["USER"] or "postgres") + (":" + quote(s["PASSWORD"]) if s["PASSWORD"] else "")
    if host.startswith("/"):
        return f"postgresql://{auth}@{quote(host, safe='')}/{s['NAME']}"
    return f"postgresql://{auth}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


def celery_worker_start(
    *,
    env: dict[str, str] | None = None,
    include: str = "",
    queues: list[str] | None = None,
    default_queue: bool = True,
    pool: str = "solo",
    concurrency: int = 1,
) -> subprocess.Popen[bytes]:
    """Start a real Celery worker process on this run's own queue (unless not
    `default_queue`) and `queues`, and the test database (with `env` added to its
    environment, and the module `include` imported by it: a test's hook into the worker),
    and wait until it answers. `pool` and `concurrency` as `celery worker` takes them: "solo"
    by default; "threads" as `make run` starts the reply and speech workers
    (`legacy.runtime.serve`)."""
    from django.conf import settings

    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "legacy.settings.test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "LEGACY_CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        **(env or {}),
    }
    name = f"test-{os.getpid()}-{time.monotonic_ns()}@localhost"
    served = ",".join([*([settings.CELERY_TASK_DEFAULT_QUEUE] if default_queue else []),
                       *(queues or [])])  # fmt: skip
    assert served, "a worker serves at least one queue"
    sized = [] if pool == "solo" else ["--concurrency", str(concurrency)]
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "legacy", "worker", "--pool", pool, *sized,
         "-Q", served, "-n", name, "-l", "WARNING",
         *(["--include", include] if include else [])],
        cwd=REPO, env=environment,
    )  # fmt: skip
    # it prepares the embedding model and the guardrails first: on a busy machine, minutes
    deadline = time.monotonic() + 180
    try:
        while not celery_app.control.ping(destination=[name], timeout=0.5):
            assert worker.poll() is None, "the Celery worker exited while starting"
            assert time.monotonic() < deadline, "the Celery worker did not answer within 180 s"
    except BaseException:
        worker.kill()
        raise
    return worker


def celery_worker_stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@pytest.fixture
def celery_worker_process(transactional_db: None) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process on this run's own queue and the test database."""
    worker = celery_worker_start()
    try:
        yield worker
    finally:
        celery_worker_stop(worker)


@pytest.fixture(autouse=True)
def _mail_delivered_at_once(monkeypatch):
    """Mail is sent by a Celery task after commit (core.mail). Tests with no worker run
    that task in-process when it is queued, so `mail.outbox` shows what was sent; the
    outbox tests (tests/core/test_mail.py) take this away to see the queue itself."""
    from core.mail import mail_deliver

    monkeypatch.setattr(
        mail_deliver, "apply_async", lambda kwargs, **options: mail_deliver.apply(kwargs=kwargs)
    )
