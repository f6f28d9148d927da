"""The gate, the per-memorial encryption and the audit chain."""

import io

import pytest
from django.utils import timezone

from consent.gate import ConsentRequired, consent_is_granted, consent_require
from core.audit import audit_events_for, audit_record, audit_verify
from core.consent import ConsentScope
from core.crypto import (
    DecryptionFailed,
    KeyDestroyed,
    memorial_cipher,
    memorial_key_destroy,
)
from tests.consent.factories import ConsentRecordFactory
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db


def test_gate_refuses_missing_and_revoked_consent_and_passes_a_live_one():
    memorial = MemorialFactory()
    with pytest.raises(ConsentRequired):
        consent_require(memorial_id=memorial.id, scope=ConsentScope.CORPUS)
    record = ConsentRecordFactory(memorial=memorial, scope=ConsentScope.CORPUS)
    assert consent_require(memorial_id=memorial.id, scope=ConsentScope.CORPUS) == record
    assert not consent_is_granted(memorial_id=memorial.id, scope=ConsentScope.VOICE)
    record.revoked_at = timezone.now()
    record.save()
    with pytest.raises(ConsentRequired):
        consent_require(memorial_id=memorial.id, scope=ConsentScope.CORPUS)


def test_content_round_trips_and_is_bound_to_its_memorial():
    one, two = MemorialFactory(), MemorialFactory()
    token = memorial_cipher(memorial_id=one.id).encrypt_text("Dear George, the weather is fine")
    assert b"George" not in token
    assert memorial_cipher(memorial_id=one.id).decrypt_text(token).startswith("Dear George")
    with pytest.raises(DecryptionFailed):
        memorial_cipher(memorial_id=two.id).decrypt_text(token)


def test_files_are_encrypted_in_chunks_and_read_back():
    memorial = MemorialFactory()
    cipher = memorial_cipher(memorial_id=memorial.id)
    original = b"line of a letter\n" * 200_000  # several chunks
    sealed = io.BytesIO()
    assert cipher.encrypt_stream(io.BytesIO(original), sealed) == len(original)
    assert b"line of a letter" not in sealed.getvalue()
    sealed.seek(0)
    assert b"".join(cipher.decrypt_stream(sealed)) == original


def test_a_destroyed_key_makes_the_content_unreadable_for_good():
    memorial = MemorialFactory()
    token = memorial_cipher(memorial_id=memorial.id).encrypt_text("a secret")
    assert memorial_key_destroy(memorial_id=memorial.id) is True
    with pytest.raises(KeyDestroyed):
        memorial_cipher(memorial_id=memorial.id).decrypt_text(token)
    assert memorial_key_destroy(memorial_id=memorial.id) is False


def test_audit_chain_verifies_and_names_memorials_only_by_a_keyed_hash():
    memorial = MemorialFactory()
    events = [
        audit_record(action="consent.signed", memorial_id=memorial.id, actor=memorial.subject),
        audit_record(action="invitation.sent", memorial_id=memorial.id, data={"role": "family"}),
        audit_record(action="export.downloaded", memorial_id=memorial.id),
    ]
    assert audit_verify() is None
    assert [e.action for e in audit_events_for(memorial_id=memorial.id)] == [
        "export.downloaded",
        "invitation.sent",
        "consent.signed",
        "memorial.created",
    ]
    assert all(str(memorial.id) not in e.memorial_ref for e in events)
    # (tampering, and audit_verify naming it: tests/core/test_audit_checkpoints.py)
