"""A private database for the benchmarks: `legacy_bench` (or the name a script passes) on the
same Postgres server,
migrated at start and dropped at the end, so a benchmark never touches the dev data. They
connect as the database owner (on the embedded default, the superuser), not the app's role.

Import and call `bench_setup()` before anything else from Django. With LEGACY_BENCH_KEEP=1
the database is kept at exit and reused by the next run (to time queries again without
loading the data again); `bench_setup()` then returns True when it found one."""

from __future__ import annotations

import atexit
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH_DB = "legacy_bench"


def bench_setup(database: str = BENCH_DB) -> bool:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "legacy.settings.base")
    import psycopg

    from legacy.runtime import embedded

    # The benchmarks run as the database owner: the retrieval bench drops and rebuilds
    # indexes on corpus_passage, which the app's role may not (core.roles).
    base_url = (
        os.environ.get("DATABASE_OWNER_URL")
        or os.environ.get("DATABASE_URL")
        or embedded.postgres_owner_url()
    )
    keep = os.environ.get("LEGACY_BENCH_KEEP") == "1"
    admin = psycopg.connect(base_url, autocommit=True)
    found = bool(
        admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    )
    reused = keep and found
    if not reused:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database}"')
    admin.close()
    bench_url = _with_database(base_url, database)
    os.environ["DATABASE_URL"] = os.environ["DATABASE_OWNER_URL"] = bench_url
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="legacy-bench-media-")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"bench database {database} migrated in {time.perf_counter() - started:.1f} s")

    from legacy.celery import app

    app.conf.task_always_eager = True  # the real task, run inline: no broker, no dev worker

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        admin = psycopg.connect(base_url, autocommit=True)
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()

    if not keep:
        atexit.register(drop)
    return reused


def _with_database(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def bench_memorial(name: str):  # type: ignore[no-untyped-def]
    """A subject, their memorial and a live `corpus` consent, made through the services."""
    import hashlib
    import uuid

    from accounts.models import User
    from consent.models import ConsentDocument, ConsentRecord
    from core.consent import ConsentScope
    from core.crypto import memorial_cipher
    from memorials.services import memorial_create

    user = User.objects.create_user(email=f"bench-{uuid.uuid4().hex[:8]}@example.org")
    memorial = memorial_create(subject=user, name=name)
    body = "I agree that Legacy may keep and index my writing."
    document, _ = ConsentDocument.objects.get_or_create(
        scope=ConsentScope.CORPUS, version=1,
        defaults={"title": "Your writing", "body": body,
                  "sha256": hashlib.sha256(body.encode()).hexdigest()},
    )  # fmt: skip
    ConsentRecord.objects.create(
        memorial=memorial, scope=ConsentScope.CORPUS, document=document,
        document_sha256=document.sha256, signer=user,
        typed_name_encrypted=memorial_cipher(memorial_id=memorial.id).encrypt_text(name),
        method=ConsentRecord.Method.PASSWORD,
    )  # fmt: skip
    return memorial


def set_up_checkpoint() -> None:
    """Write the set-up's pages out before anything is timed. A bench memorial's load and
    graph write gigabytes of WAL (100,000 passages: about 1.1 GB), past Postgres's default
    `max_wal_size`, so the checkpoint that asks for could run through the timed part (in
    session 23 one wrote 215-246 MB spread over the whole of the conversation bench's timed
    messages). Needs the right to CHECKPOINT (a superuser, as the embedded default's owner
    is, or `pg_checkpoint`); without it the run says so and goes on."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError as error:
        print(f"set-up not checkpointed ({error}): a checkpoint may fall in the timed run")
