"""Signed checkpoints of the audit chain's head: every kind of tampering the owner of the
database could do is found by `audit_verify` (and `manage.py audit_verify`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core import signing
from core.audit import (
    GENESIS,
    audit_checkpoint_document,
    audit_checkpoint_sign,
    audit_event_hash,
    audit_record,
    audit_verify,
    checkpoint_body,
)
from core.models import AuditCheckpoint, AuditEvent
from memorials.erasure.services import erasure_certificate_document, memorial_erase
from memorials.export import memorial_export_build
from tests.conftest import REPO, worker_database_url
from tests.core.tampering import audit_tamper
from tests.memorials.factories import MemorialFactory


def _log(count: int = 5) -> list[AuditEvent]:
    """`count` events, the last of them signed at a checkpoint."""
    events = [audit_record(action="consent.signed", data={"n": n}) for n in range(count)]
    audit_checkpoint_sign()
    return events


@pytest.mark.django_db(transaction=True)
def test_an_untouched_log_with_checkpoints_verifies():
    audit_checkpoint_sign()  # of the empty log
    _log()
    audit_record(action="consent.revoked")  # after the newest checkpoint
    assert audit_verify() is None


@pytest.mark.django_db(transaction=True)
def test_a_row_edit_is_found(database_owner):
    events = _log()
    audit_tamper(
        database_owner, "UPDATE core_auditevent SET data = '{}' WHERE id = %s", [events[2].pk]
    )
    problem = audit_verify()
    assert problem is not None and problem.event_id == events[2].pk
    assert "does not match its hash" in problem.message


@pytest.mark.django_db(transaction=True)
def test_a_row_deleted_in_the_middle_is_found(database_owner):
    events = _log()
    audit_tamper(database_owner, "DELETE FROM core_auditevent WHERE id = %s", [events[2].pk])
    problem = audit_verify()
    assert problem is not None and problem.event_id == events[3].pk  # its link is broken


@pytest.mark.django_db(transaction=True)
def test_a_truncated_log_is_found(database_owner):
    _log()
    audit_tamper(database_owner, "TRUNCATE core_auditevent")
    assert AuditEvent.objects.count() == 0
    problem = audit_verify()
    assert problem is not None and "not in the log" in problem.message


@pytest.mark.django_db(transaction=True)
def test_a_deleted_tail_is_found(database_owner):
    events = _log()
    audit_tamper(database_owner, "DELETE FROM core_auditevent WHERE id >= %s", [events[3].pk])
    problem = audit_verify()
    assert problem is not None and problem.event_id == events[-1].pk
    assert "events were deleted" in problem.message


def _rewrite(owner, events: list[AuditEvent], *, index: int) -> None:
    """Change one event and recompute every hash from it on, as a forger would."""
    previous = events[index - 1].hash if index else GENESIS
    for event in events[index:]:
        if event is events[index]:
            event.data = {"n": "forged"}
        event.previous_hash = previous
        event.hash = previous = audit_event_hash(event)
        audit_tamper(
            owner,
            "UPDATE core_auditevent SET data = %s, previous_hash = %s, hash = %s WHERE id = %s",
            [json.dumps(event.data), event.previous_hash, event.hash, event.pk],
        )


@pytest.mark.django_db(transaction=True)
def test_a_chain_rewritten_with_recomputed_hashes_is_found(database_owner):
    events = _log()
    _rewrite(database_owner, events, index=1)
    # every link holds again ...
    chain = list(AuditEvent.objects.order_by("id"))
    assert all(audit_event_hash(event) == event.hash for event in chain)
    assert [event.previous_hash for event in chain[1:]] == [event.hash for event in chain[:-1]]
    # ... but the signed head does not
    problem = audit_verify()
    assert problem is not None and problem.checkpoint_id is not None
    assert "the log was rewritten" in problem.message


def _insert_checkpoint(owner, checkpoint: AuditCheckpoint, signature: str, key: str) -> None:
    audit_tamper(
        owner,
        "INSERT INTO core_auditcheckpoint (event_id, head_hash, event_count, created_at,"
        " signature, public_key) VALUES (%s, %s, %s, %s, %s, %s)",
        [
            checkpoint.event_id,
            checkpoint.head_hash,
            checkpoint.event_count,
            checkpoint.created_at,
            signature,
            key,
        ],
    )


@pytest.mark.django_db(transaction=True)
def test_a_checkpoint_with_a_bad_signature_is_found(database_owner):
    _log()
    audit_tamper(database_owner, "UPDATE core_auditcheckpoint SET event_count = event_count - 1")
    problem = audit_verify()
    assert problem is not None and "the signature does not match" in problem.message


@pytest.mark.django_db(transaction=True)
def test_a_checkpoint_signed_by_another_key_is_found(database_owner):
    events = _log()
    forged = AuditCheckpoint.objects.get()
    forged.event_id, forged.head_hash = events[1].pk, events[1].hash
    forged.event_count = 2
    key = Ed25519PrivateKey.generate()
    signature = signing._b64(key.sign(signing.canonical_bytes(checkpoint_body(forged))))
    _insert_checkpoint(database_owner, forged, signature, signing.public_key_text(key.public_key()))
    problem = audit_verify()
    assert problem is not None and "not this server's" in problem.message


@pytest.mark.django_db(transaction=True)
def test_a_checkpoint_whose_count_does_not_hold_is_found(database_owner):
    events = _log()
    wrong = AuditCheckpoint.objects.get()
    wrong.event_count = len(events) + 1
    signed = signing.certificate_sign(certificate=checkpoint_body(wrong))
    _insert_checkpoint(database_owner, wrong, signed.signature, signed.public_key)
    problem = audit_verify()
    assert problem is not None and f"other events up to it than the {len(events)}" in (
        problem.message
    )


@pytest.mark.django_db(transaction=True)
def test_a_carried_checkpoint_catches_a_log_cut_back_with_its_checkpoints(database_owner):
    # given a checkpoint someone keeps (in an export, say)
    events = _log()
    kept = audit_checkpoint_document(AuditCheckpoint.objects.get())
    # when the owner deletes the tail and the checkpoints that signed it
    audit_tamper(database_owner, "DELETE FROM core_auditevent WHERE id >= %s", [events[3].pk])
    audit_tamper(database_owner, "TRUNCATE core_auditcheckpoint")
    # then the log alone looks whole, but not against the kept checkpoint
    assert audit_verify() is None
    problem = audit_verify(carried=[kept])
    assert problem is not None and "the carried checkpoint" in problem.message


@pytest.mark.django_db(transaction=True)
def test_the_command_exits_non_zero_naming_the_problem(database_owner, tmp_path):
    events = _log(2)
    env = {**os.environ, "DATABASE_URL": worker_database_url()}
    command = [sys.executable, "manage.py", "audit_verify"]
    intact = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert intact.returncode == 0, intact.stderr
    assert intact.stdout.splitlines() == [
        "audit log intact (2 events)",
        "1 signed checkpoints hold",
    ]
    audit_tamper(database_owner, "DELETE FROM core_auditevent WHERE id = %s", [events[-1].pk])
    broken = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert broken.returncode != 0
    assert "audit log tampered" in broken.stderr and f"event {events[-1].pk}" in broken.stderr


def _carried_verifies(document: dict) -> None:
    verdict = signing.certificate_verify(
        document={**document, "certificate": document["checkpoint"]}
    )
    assert verdict.valid and verdict.signed_by_this_server
    head = AuditEvent.objects.get(pk=document["checkpoint"]["event_id"])
    assert head.hash == document["checkpoint"]["head_hash"]
    assert audit_verify(carried=[document]) is None


@pytest.mark.django_db
def test_the_erasure_certificate_carries_a_checkpoint_that_verifies():
    memorial = MemorialFactory()
    audit_record(action="consent.signed", memorial_id=memorial.id)
    certificate = memorial_erase(memorial=memorial, actor=memorial.subject, reason="test")
    document = erasure_certificate_document(certificate=certificate)
    assert signing.certificate_verify(document=document).signed_by_this_server
    _carried_verifies(document["certificate"]["audit_checkpoint"])
    assert AuditCheckpoint.objects.count() == 1


@pytest.mark.django_db
def test_the_export_manifest_carries_a_checkpoint_that_verifies(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    memorial = MemorialFactory()
    audit_record(action="consent.signed", memorial_id=memorial.id)
    with zipfile.ZipFile(memorial_export_build(memorial=memorial, user=memorial.subject)) as z:
        manifest = json.loads(z.read("manifest.json"))
    _carried_verifies(manifest["audit_checkpoint"])
    assert audit_verify(carried=[manifest]) is None


@pytest.mark.django_db
def test_the_daily_beat_signs_a_checkpoint(settings):
    from legacy.celery import app

    app.loader.import_default_modules()  # as a worker does: CELERY_IMPORTS
    audit_record(action="consent.signed")
    entry = settings.CELERY_BEAT_SCHEDULE["core-audit-checkpoint"]
    app.tasks[entry["task"]].apply()
    assert AuditCheckpoint.objects.get().event_id == AuditEvent.objects.get().pk
