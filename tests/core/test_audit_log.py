"""The audit log is append-only for the app's database role, and `manage.py audit_verify`
checks it."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from core.audit import audit_checkpoint_sign, audit_record, audit_verify
from core.models import AuditEvent
from tests.accounts.factories import UserFactory
from tests.core.tampering import audit_tamper
from tests.memorials.factories import MemorialFactory


@pytest.mark.django_db
def test_the_app_may_not_change_or_delete_an_event():
    event = audit_record(action="consent.signed", data={"scope": "corpus"})
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="consent.revoked")
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.action == "consent.signed"


@pytest.mark.django_db
def test_deleting_a_person_keeps_their_events_and_the_chain_whole():
    person = UserFactory(full_name="Ada Lovelace")
    event = audit_record(action="consent.signed", actor=person)
    person.delete()
    event.refresh_from_db()
    assert event.actor_label == "Ada Lovelace"
    assert audit_verify() is None


@pytest.mark.django_db
def test_audit_verify_reports_an_intact_log_and_its_checkpoints():
    memorial = MemorialFactory()
    audit_record(action="consent.signed", memorial_id=memorial.id)
    audit_checkpoint_sign()
    audit_record(action="consent.revoked", memorial_id=memorial.id)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().splitlines() == [
        f"audit log intact ({AuditEvent.objects.count()} events)",
        "1 signed checkpoints hold",
    ]


@pytest.mark.django_db(transaction=True)
def test_audit_verify_names_the_first_tampered_event_and_fails(database_owner):
    first = audit_record(action="consent.signed")
    tampered = audit_record(action="consent.revoked")
    audit_record(action="consent.signed")
    audit_tamper(
        database_owner,
        "UPDATE core_auditevent SET action = 'consent.signed' WHERE id = %s",
        [tampered.pk],
    )
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    message = str(failure.value)
    assert f"event {tampered.pk}" in message and tampered.created_at.isoformat() in message
    assert f"event {first.pk}" not in message
