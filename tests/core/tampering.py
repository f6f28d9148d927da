"""Tampering with the audit log on purpose, as only the database owner could: past the
append-only triggers, and committed, so the app's own connection sees it. Tests that tamper
are transactional (the events must be committed for the owner to see them); the next test
starts from an empty log again (tests/conftest.py `_audit_log_fresh`)."""

from __future__ import annotations

from typing import Any

import psycopg

from core.roles import AUDIT_TABLES


def audit_tamper(owner: psycopg.Connection, sql: str, params: list[Any] | None = None) -> None:
    """Run `sql` as the owner with the audit tables' triggers lifted, in one transaction
    (ALTER TABLE is transactional: the triggers are back on when it ends)."""
    with owner.transaction():
        for table in AUDIT_TABLES:
            owner.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        owner.execute(sql, params)
        for table in AUDIT_TABLES:
            owner.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
