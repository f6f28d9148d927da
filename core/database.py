"""What the database keeps beside a memorial's rows, and clearing it after an erasure."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection


def database_scrub() -> dict[str, Any]:
    """After an erasure: recompute the planner's statistics (so pg_stats holds no sample of
    the deleted rows), then, where the database lets the owner, force a checkpoint and switch
    to a new WAL segment. Returns what was done, for the certificate. Call it outside a
    transaction: the checkpoint should follow the erasure's commits."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT core_database_scrub()::text")
        return dict(json.loads(cursor.fetchone()[0]))
