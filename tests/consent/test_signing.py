"""Signing a consent: only the subject, with their name, recording how they re-authenticated
(the page requires allauth's re-authentication: tests/consent/test_views.py)."""

import pytest

from consent.gate import consent_is_granted, consent_require
from consent.models import ConsentRecord
from consent.selectors import consent_document_latest
from consent.services import (
    ConsentDocumentChanged,
    ConsentError,
    consent_revoke,
    consent_sign,
)
from core.consent import ConsentScope
from core.models import AuditEvent
from memorials.models import Role
from memorials.selectors import MemorialNotFound
from tests.consent.factories import consent_document_publish
from tests.memorials.factories import MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db


def sign(memorial, scope=ConsentScope.CORPUS, user=None, **overrides):
    arguments = {
        "user": user or memorial.subject,
        "memorial_id": memorial.id,
        "scope": scope,
        "document_sha256": consent_document_latest(scope=scope).sha256,
        "typed_name": memorial.name,
        "method": ConsentRecord.Method.PASSWORD,
        "ip_address": "192.0.2.7",
        "user_agent": "Firefox on a phone",
    } | overrides
    return consent_sign(**arguments)


def test_the_subject_signs_with_their_name_and_everything_is_recorded(consent_documents):
    memorial = MemorialFactory()
    record = sign(memorial, ConsentScope.VOICE)
    document = consent_document_latest(scope=ConsentScope.VOICE)
    assert consent_require(memorial_id=memorial.id, scope=ConsentScope.VOICE) == record
    assert (record.document, record.document_sha256) == (document, document.sha256)
    assert (record.signer, record.typed_name) == (memorial.subject, memorial.name)
    assert (record.method, record.ip_address) == (ConsentRecord.Method.PASSWORD, "192.0.2.7")
    assert record.user_agent == "Firefox on a phone" and record.signed_at is not None
    event = AuditEvent.objects.get(action="consent.signed")
    assert event.actor_ref == str(memorial.subject.pk)
    assert event.data["scope"] == "voice" and event.data["document_version"] == 1
    assert event.data["document_sha256"] == document.sha256
    assert event.data["method"] == "password"


def test_a_wrong_name_signs_nothing(consent_documents):
    memorial = MemorialFactory(name="Ada Lovelace")
    with pytest.raises(ConsentError, match="Ada Lovelace"):
        sign(memorial, typed_name="Someone Else")
    assert not ConsentRecord.objects.exists()
    # the name is compared kindly: case and spacing do not matter
    assert sign(memorial, typed_name="  ada   LOVELACE ").typed_name == "ada LOVELACE"


@pytest.mark.parametrize("method", ["totp", "recovery_codes", "code", "webauthn"])
def test_the_way_they_re_authenticated_is_recorded(consent_documents, method):
    memorial = MemorialFactory()
    record = sign(memorial, method=method)
    assert ConsentRecord.objects.get().method == record.method == method
    assert AuditEvent.objects.get(action="consent.signed").data["method"] == method


def test_an_unknown_method_signs_nothing(consent_documents):
    memorial = MemorialFactory()
    with pytest.raises(ValueError):
        sign(memorial, method="a hunch")
    assert not ConsentRecord.objects.exists()


def test_only_the_subject_signs_for_themselves(consent_documents):
    memorial = MemorialFactory()
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD).user
    for user in (steward, MembershipFactory().user):
        with pytest.raises(MemorialNotFound):
            sign(memorial, user=user, typed_name=memorial.name)
    assert not consent_is_granted(memorial_id=memorial.id, scope=ConsentScope.CORPUS)


def test_signing_an_outdated_text_asks_to_read_the_newest(consent_documents):
    memorial = MemorialFactory()
    old_hash = consent_document_latest(scope=ConsentScope.CORPUS).sha256
    newer = consent_document_publish(ConsentScope.CORPUS, 2)
    with pytest.raises(ConsentDocumentChanged):
        sign(memorial, document_sha256=old_hash)
    assert sign(memorial).document == newer


def test_signing_a_newer_version_replaces_the_live_signature(consent_documents):
    memorial = MemorialFactory()
    first = sign(memorial)
    with pytest.raises(ConsentError, match="already given"):
        sign(memorial)
    consent_document_publish(ConsentScope.CORPUS, 2)
    second = sign(memorial)
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert first.ended_because == ConsentRecord.Ending.SUPERSEDED
    assert consent_require(memorial_id=memorial.id, scope=ConsentScope.CORPUS) == second
    assert second.document.version == 2


def test_signing_again_after_withdrawing_makes_a_new_record(consent_documents):
    memorial = MemorialFactory()
    first = sign(memorial)
    consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.CORPUS)
    second = sign(memorial)
    assert second.pk != first.pk
    first.refresh_from_db()
    assert first.ended_because == ConsentRecord.Ending.REVOKED
    assert ConsentRecord.objects.filter(memorial=memorial).count() == 2
