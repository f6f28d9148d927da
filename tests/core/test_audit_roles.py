"""The app connects as a role of its own: not a superuser, not the tables' owner, and on the
audit tables allowed only to read and append. TRUNCATE is refused even to the owner."""

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction

from core.audit import audit_checkpoint_sign, audit_record
from core.roles import AUDIT_TABLES

pytestmark = pytest.mark.django_db


def _refused(sql: str) -> str:
    with (
        pytest.raises(DatabaseError) as failure,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    return str(failure.value)


def test_the_app_role_is_neither_a_superuser_nor_the_owner():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, pg_get_userbyid(relowner) FROM pg_roles, pg_class"
            " WHERE rolname = current_user AND pg_class.oid = 'core_auditevent'::regclass"
        )
        role, superuser, owner = cursor.fetchone()
    assert superuser is False
    assert owner != role


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_the_app_may_append_and_read_but_not_update_delete_or_truncate(table):
    audit_record(action="consent.signed")
    audit_checkpoint_sign()
    for sql in (
        f"UPDATE {table} SET id = id",
        f"DELETE FROM {table}",
        f"TRUNCATE {table}",
    ):
        assert "permission denied" in _refused(sql)
    # nor lift the triggers that guard them, nor take the ids back
    assert "must be owner" in _refused(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    assert "permission denied" in _refused(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1)"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] == 1


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_even_the_owner_is_refused_a_truncate_by_the_trigger(database_owner, table):
    refused = pytest.raises(psycopg.errors.InsufficientPrivilege, match="TRUNCATE refused")
    with refused, database_owner.transaction():
        database_owner.execute(f"TRUNCATE {table}")


def test_the_app_may_still_write_and_empty_its_other_tables():
    # (Django's flush after a transactional test TRUNCATEs them as the app.)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE django_session")
        cursor.execute("SELECT has_table_privilege('corpus_passage', 'INSERT, DELETE')")
        assert cursor.fetchone()[0] is True
