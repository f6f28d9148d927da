"""Signing a consent: only the subject, with their name and a password or a current code."""

import base64
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.cache import cache

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
from tests.accounts.factories import PASSWORD
from tests.consent.factories import consent_document_publish
from tests.memorials.factories import MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db

SECRET = base64.b32encode(b"0123456789abcdefghij").decode()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def current_code() -> str:
    return format_hotp_value(hotp_value(SECRET, int(time.time()) // mfa_settings.TOTP_PERIOD))


def sign(memorial, scope=ConsentScope.CORPUS, user=None, **overrides):
    arguments = {
        "user": user or memorial.subject,
        "memorial_id": memorial.id,
        "scope": scope,
        "document_sha256": consent_document_latest(scope=scope).sha256,
        "typed_name": memorial.name,
        "password": PASSWORD,
        "ip_address": "192.0.2.7",
        "user_agent": "Firefox on a phone",
    } | overrides
    return consent_sign(**arguments)


def test_the_subject_signs_with_name_and_password_and_everything_is_recorded(consent_documents):
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


def test_a_wrong_password_or_name_signs_nothing(consent_documents):
    memorial = MemorialFactory(name="Ada Lovelace")
    with pytest.raises(ConsentError, match="password"):
        sign(memorial, password="not it")
    with pytest.raises(ConsentError, match="Ada Lovelace"):
        sign(memorial, typed_name="Someone Else")
    assert not ConsentRecord.objects.exists()
    # the name is compared kindly: case and spacing do not matter
    assert sign(memorial, typed_name="  ada   LOVELACE ").typed_name == "ada LOVELACE"


def test_wrong_attempts_are_limited(consent_documents, settings):
    settings.CONSENT_SIGN_ATTEMPTS = 2
    memorial = MemorialFactory()
    for _ in range(2):
        with pytest.raises(ConsentError, match="not right"):
            sign(memorial, password="wrong")
    with pytest.raises(ConsentError, match="Too many attempts"):
        sign(memorial)  # even the right password, for now


def test_only_the_subject_signs_for_themselves(consent_documents):
    memorial = MemorialFactory()
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD).user
    for user in (steward, MembershipFactory().user):
        with pytest.raises(MemorialNotFound):
            sign(memorial, user=user, typed_name=memorial.name)
    assert not consent_is_granted(memorial_id=memorial.id, scope=ConsentScope.CORPUS)


def test_with_two_factor_set_up_a_current_code_signs_and_cannot_be_replayed(consent_documents):
    memorial = MemorialFactory()
    TOTP.activate(memorial.subject, SECRET)
    with pytest.raises(ConsentError, match="code"):
        sign(memorial, totp_code="000000" if current_code() != "000000" else "111111")
    code = current_code()
    record = sign(memorial, totp_code=code, password="")
    assert record.method == ConsentRecord.Method.TOTP
    consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.CORPUS)
    with pytest.raises(ConsentError, match="already used"):
        sign(memorial, totp_code=code)


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
