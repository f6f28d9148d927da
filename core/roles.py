"""The two database roles: the owner, which migrates, and the app, which may not rewrite history.

The app (web, workers, shell) connects as DATABASE_URL's role; `manage.py migrate` (core's
own command) connects as DATABASE_OWNER_URL's role, which owns every table, and then grants
the app what it needs: reading and writing the ordinary tables (and the ones the owner makes
later), but on the audit tables only SELECT and INSERT. So the app can neither UPDATE,
DELETE nor TRUNCATE the audit log, nor lift its triggers (only a table's owner may).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dj_database_url
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

from core.models import AuditCheckpoint, AuditEvent

logger = logging.getLogger(__name__)

AUDIT_TABLES = (AuditEvent._meta.db_table, AuditCheckpoint._meta.db_table)
# What the owner's URL decides; the database (NAME) stays the app's, so the test database
# and the benchmarks' are migrated as the owner too.
_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")
_app_roles: dict[str, str] = {}  # connection alias -> the app role, while connected as owner


def _owner_credentials() -> dict[str, Any]:
    owner = dj_database_url.parse(settings.DATABASE_OWNER_URL)
    return {key: owner.get(key, "" if key != "OPTIONS" else {}) for key in _CREDENTIALS}


@contextmanager
def connected_as_owner(connection: BaseDatabaseWrapper) -> Iterator[str]:
    """Within the block, `connection` speaks as the owner role; yields the app role's name.
    Nested use (the test setup migrates inside one) keeps the outer switch."""
    if connection.alias in _app_roles:
        yield _app_roles[connection.alias]
        return
    saved = {key: connection.settings_dict.get(key) for key in _CREDENTIALS}
    connection.close()
    connection.settings_dict.update(_owner_credentials())
    _app_roles[connection.alias] = str(saved["USER"] or "")
    try:
        yield _app_roles[connection.alias]
    finally:
        del _app_roles[connection.alias]
        connection.close()
        connection.settings_dict.update(saved)


def _quote(connection: BaseDatabaseWrapper, name: str) -> str:
    return connection.ops.quote_name(name)


def app_privileges_grant(*, connection: BaseDatabaseWrapper, app_role: str) -> bool:
    """As the owner (inside `connected_as_owner`): grant the app role its privileges. False,
    with a warning, when there is no separate app role to grant them to."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        if not app_role or app_role == owner:
            logger.warning(
                "The app connects as the role that owns the schema (%s): the audit log is "
                "protected by its triggers only. Set DATABASE_OWNER_URL to the owner and "
                "DATABASE_URL to a role of the app's own (README: Database roles).",
                owner,
            )
            return False
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [app_role])
        row = cursor.fetchone()
        if row is None:
            raise RuntimeError(f"The app's database role {app_role!r} does not exist.")
        if row[0]:
            logger.warning(
                "The app's database role %s is a superuser: it can lift the audit log's "
                "triggers. Give it a role of its own (README: Database roles).",
                app_role,
            )
        app, own = _quote(connection, app_role), _quote(connection, owner)
        tables = "SELECT, INSERT, UPDATE, DELETE, TRUNCATE"
        sequences = "USAGE, SELECT, UPDATE"
        later = f"ALTER DEFAULT PRIVILEGES FOR ROLE {own} IN SCHEMA public GRANT"
        cursor.execute(
            f"GRANT USAGE ON SCHEMA public TO {app};"
            f"GRANT {tables} ON ALL TABLES IN SCHEMA public TO {app};"
            f"GRANT {sequences} ON ALL SEQUENCES IN SCHEMA public TO {app};"
            f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {app};"
            # Tables the owner makes later (a memorial's passage partition) get the same.
            f"{later} {tables} ON TABLES TO {app};"
            f"{later} {sequences} ON SEQUENCES TO {app};"
        )
        for table in AUDIT_TABLES:
            cursor.execute(
                f"REVOKE ALL ON {_quote(connection, table)} FROM {app}, PUBLIC;"
                f"GRANT SELECT, INSERT ON {_quote(connection, table)} TO {app};"
            )
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            # nextval needs only USAGE; without UPDATE the app cannot setval the ids either.
            cursor.execute(
                f"REVOKE ALL ON SEQUENCE {sequence} FROM {app}, PUBLIC;"
                f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {app};"
            )
    return True
