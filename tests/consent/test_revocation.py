"""Withdrawing a consent acts at once: the gate, queued and running work, the audit log."""

import threading

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from consent.gate import (
    ConsentRequired,
    consent_hold,
    consent_is_granted,
    consent_require,
)
from consent.models import ConsentRecord
from consent.services import ConsentError, consent_revoke
from core.audit import audit_record
from core.consent import ConsentScope
from core.models import AuditEvent
from memorials.models import Role
from memorials.selectors import MemorialNotFound
from tests.consent.factories import ConsentRecordFactory
from tests.memorials.factories import MembershipFactory

CORPUS = ConsentScope.CORPUS


def revoke(memorial, scope=CORPUS):
    return consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=scope)


@pytest.mark.django_db
def test_the_subject_withdraws_and_the_gate_refuses_from_then_on():
    record = ConsentRecordFactory(scope=CORPUS)
    memorial = record.memorial
    revoked = revoke(memorial)
    assert revoked.pk == record.pk and revoked.revoked_at is not None
    assert revoked.ended_because == ConsentRecord.Ending.REVOKED
    with pytest.raises(ConsentRequired):
        consent_require(memorial_id=memorial.id, scope=CORPUS)
    event = AuditEvent.objects.get(action="consent.revoked")
    assert (event.actor_ref, event.data["scope"]) == (str(memorial.subject.pk), "corpus")
    with pytest.raises(ConsentError, match="no consent to withdraw"):
        revoke(memorial)


@pytest.mark.django_db
def test_only_the_subject_may_withdraw():
    record = ConsentRecordFactory(scope=CORPUS)
    steward = MembershipFactory(memorial=record.memorial, role=Role.STEWARD).user
    with pytest.raises(MemorialNotFound):
        consent_revoke(user=steward, memorial_id=record.memorial_id, scope=CORPUS)
    assert consent_is_granted(memorial_id=record.memorial_id, scope=CORPUS)


@pytest.mark.django_db
def test_work_that_began_under_a_signature_stops_even_if_a_new_one_follows():
    record = ConsentRecordFactory(scope=CORPUS)
    memorial = record.memorial
    with transaction.atomic():
        assert consent_hold(memorial_id=memorial.id, scope=CORPUS, record_id=record.pk) == record.pk
    revoke(memorial)
    ConsentRecordFactory(memorial=memorial, scope=CORPUS)  # signed again
    assert consent_is_granted(memorial_id=memorial.id, scope=CORPUS)
    with transaction.atomic(), pytest.raises(ConsentRequired):
        consent_hold(memorial_id=memorial.id, scope=CORPUS, record_id=record.pk)


@pytest.mark.django_db(transaction=True)
def test_the_step_gate_must_sit_inside_the_steps_transaction():
    record = ConsentRecordFactory(scope=CORPUS)
    with pytest.raises(TransactionManagementError):
        consent_hold(memorial_id=record.memorial_id, scope=CORPUS)


def _step(memorial_id, record_id, label, inside=None):
    """One step of consent-bound work: hold the gate, write two rows, commit."""
    with transaction.atomic():
        consent_hold(memorial_id=memorial_id, scope=CORPUS, record_id=record_id)
        audit_record(action="test.step", memorial_id=memorial_id, data={"part": f"{label}a"})
        if inside:
            inside()
        audit_record(action="test.step", memorial_id=memorial_id, data={"part": f"{label}b"})


@pytest.mark.django_db(transaction=True)
def test_a_running_step_finishes_whole_before_the_withdrawal_and_the_next_step_writes_nothing():
    record = ConsentRecordFactory(scope=CORPUS)
    memorial = record.memorial
    in_step, finish_step, revoked = threading.Event(), threading.Event(), threading.Event()

    def worker():
        try:
            _step(memorial.id, record.pk, "1", inside=lambda: (in_step.set(), finish_step.wait(10)))
        finally:
            connection.close()

    def subject():
        try:
            revoke(memorial)
            revoked.set()
        finally:
            connection.close()

    # given a step of work holding the gate, midway through its writes
    step = threading.Thread(target=worker)
    step.start()
    assert in_step.wait(10)
    # when the subject withdraws
    withdrawal = threading.Thread(target=subject)
    withdrawal.start()
    # then the withdrawal waits for the step, which commits whole
    assert not revoked.wait(0.5)
    finish_step.set()
    step.join(10)
    withdrawal.join(10)
    assert revoked.is_set()
    assert AuditEvent.objects.filter(action="test.step").count() == 2
    # and the next step refuses before writing anything
    with pytest.raises(ConsentRequired):
        _step(memorial.id, record.pk, "2")
    assert AuditEvent.objects.filter(action="test.step").count() == 2
