"""After the kill switch nothing of the memorial is readable anywhere Legacy keeps things:
markers planted in every field a person can fill are then searched for in every table, in
the planner's statistics (pg_stats), in the media folder, in Redis, and in the bytes of the
Postgres data directory (its WAL aside: whatever stays in recycled segments is ciphertext or
keyed tokens, as every other copy is)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from memorials.erasure.services import memorial_erase
from tests.accounts.factories import UserFactory
from tests.consent.test_erasure_everything import PLANTERS, database_hits
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHUNK = 8 * 1024 * 1024


def _embedded_data_directory() -> Path | None:
    """The embedded Postgres's data directory, or None on an external server (whose files
    this test cannot read)."""
    path = Path(settings.VAR_DIR) / "pg"
    embedded = not os.environ.get("DATABASE_URL") and (path / "PG_VERSION").exists()
    return path if embedded else None


def files_holding(root: Path, needles: list[bytes], *, skip: tuple[str, ...] = ()) -> list[str]:
    """Every file under `root` (but the `skip` folders) whose bytes hold one of `needles`."""
    hits = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or any(part in skip for part in path.relative_to(root).parts):
            continue
        tail = b""
        try:
            with path.open("rb") as source:
                while chunk := source.read(CHUNK):
                    window = tail + chunk
                    if any(needle in window for needle in needles):
                        hits.append(str(path.relative_to(root)))
                        break
                    tail = window[-64:]
        except OSError:  # a file that vanished while we read (a temporary one)
            continue
    return hits


def statistics_holding(needle: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename || '.' || attname FROM pg_stats"
            " WHERE strpos(lower(coalesce(most_common_vals::text, '')), lower(%s)) > 0"
            " OR strpos(lower(coalesce(histogram_bounds::text, '')), lower(%s)) > 0",
            [needle, needle],
        )
        return [row[0] for row in cursor.fetchall()]


def redis_holding(needle: bytes) -> list[str]:
    client = redis.Redis.from_url(settings.REDIS_URL)
    hits = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        values: list[bytes] = [key]
        if kind == b"string":
            values.append(client.get(key) or b"")
        elif kind == b"list":
            values += client.lrange(key, 0, -1)
        elif kind == b"hash":
            values += [part for pair in client.hgetall(key).items() for part in pair]
        elif kind == b"set":
            values += list(client.smembers(key))
        elif kind == b"zset":
            values += [member for member, _ in client.zrange(key, 0, -1, withscores=True)]
        if any(needle.lower() in value.lower() for value in values):
            hits.append(key.decode(errors="replace"))
    return hits


def test_after_the_kill_switch_no_marker_is_readable_anywhere(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    data_directory = _embedded_data_directory()
    if data_directory is None:
        pytest.skip("the data directory is only readable on the embedded Postgres")
    marker = "Zq" + uuid.uuid4().hex[:12]
    # a control: something in clear the erasure does not touch (a person's account name),
    # so the scans below are shown to find what is there
    control = "Ctl" + uuid.uuid4().hex[:12]
    UserFactory(full_name=f"Somebody {control}")

    # given a memorial with every kind of data, the marker in every field a person can fill
    memorial = MemorialFactory(name=f"Ada {marker}")
    planted = [plant(memorial, marker) for plant in PLANTERS]

    # when its subject pulls the kill switch (which ends with a checkpoint)
    certificate = memorial_erase(memorial=memorial, actor=memorial.subject, reason="test")
    assert certificate.body["database"]["checkpoint"] is True

    # then the control is found where it is, so each scan can see
    assert database_hits(needle=control, allowed_rows={})
    assert files_holding(data_directory, [control.encode()], skip=("pg_wal",))
    # and the marker is nowhere: no table, no statistics, no file, no Redis key
    assert database_hits(needle=marker, allowed_rows={}) == [], planted
    assert statistics_holding(marker) == []
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or files_holding(media, [marker.encode()]) == []
    assert redis_holding(marker.encode()) == []
    needles = [marker.encode(), marker.lower().encode(), marker.encode("utf-16-le")]
    left = _relations(files_holding(data_directory, needles, skip=("pg_wal",)))
    assert left == [], "\n".join(left)


def _relations(paths: list[str]) -> list[str]:
    """Data files named by the relations they hold (for a readable failure)."""
    names = []
    with connection.cursor() as cursor:
        for path in paths:
            node = path.rsplit("/", 1)[-1].split(".")[0].split("_")[0]
            cursor.execute(
                "SELECT coalesce((SELECT relname FROM pg_class WHERE relfilenode = %s::oid), %s)",
                [node if node.isdigit() else "0", path],
            )
            names.append(f"{cursor.fetchone()[0]} ({path})")
    return names
