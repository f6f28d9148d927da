"""The audit log is append-only in the database, and `manage.py audit_verify` checks it."""

import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from core.audit import audit_record, audit_verify
from core.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.conftest import REPO, worker_database_url
from tests.consent.tampering import audit_trigger_disabled
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db


def test_the_database_refuses_to_change_or_delete_an_event():
    event = audit_record(action="consent.signed", data={"scope": "corpus"})
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="consent.revoked")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.action == "consent.signed"


def test_deleting_a_person_keeps_their_events_and_the_chain_whole():
    person = UserFactory(full_name="Ada Lovelace")
    event = audit_record(action="consent.signed", actor=person)
    person.delete()
    event.refresh_from_db()
    assert event.actor_label == "Ada Lovelace"
    assert audit_verify() is None


def test_audit_verify_reports_an_intact_log():
    memorial = MemorialFactory()
    for action in ("consent.signed", "consent.revoked"):
        audit_record(action=action, memorial_id=memorial.id)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().strip() == f"audit log intact ({AuditEvent.objects.count()} events)"


def test_audit_verify_names_the_first_tampered_event_and_fails():
    first = audit_record(action="consent.signed")
    tampered = audit_record(action="consent.revoked")
    audit_record(action="consent.signed")
    with audit_trigger_disabled():
        AuditEvent.objects.filter(pk=tampered.pk).update(action="consent.signed")
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    message = str(failure.value)
    assert f"event {tampered.pk}" in message and tampered.created_at.isoformat() in message
    assert f"event {first.pk}" not in message


@pytest.mark.django_db(transaction=True)
def test_the_command_exits_non_zero_with_the_tampered_event():
    audit_record(action="consent.signed")
    tampered = audit_record(action="consent.revoked")
    env = {**os.environ, "DATABASE_URL": worker_database_url()}
    command = [sys.executable, "manage.py", "audit_verify"]
    intact = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert (intact.returncode, intact.stdout.strip()) == (0, "audit log intact (2 events)")
    with audit_trigger_disabled():
        AuditEvent.objects.filter(pk=tampered.pk).update(data={"scope": "voice"})
    broken = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert broken.returncode != 0
    assert f"event {tampered.pk}" in broken.stderr and "consent.revoked" in broken.stderr
