"""Tampering with the audit log on purpose, past its append-only trigger."""

from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def audit_trigger_disabled():
    """Within one transaction (ALTER TABLE is transactional in Postgres): the trigger is
    off inside, and back on when the block ends, whatever happens."""
    with transaction.atomic(), connection.cursor() as cursor:
        # ALTER TABLE refuses while deferred foreign-key checks of rows written in this
        # transaction are pending: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
        try:
            yield
        finally:
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
