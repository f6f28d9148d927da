"""The consent texts the data migration publishes."""

import hashlib

import pytest

from consent.models import ConsentDocument
from consent.selectors import consent_document_latest
from core.consent import ConsentScope
from tests.consent.factories import consent_document_publish

pytestmark = pytest.mark.django_db


def test_every_scope_has_a_published_text_with_the_hash_of_its_body(consent_documents):
    for scope in ConsentScope:
        document = consent_document_latest(scope=scope)
        assert document.version == 1
        assert document.sha256 == hashlib.sha256(document.body.encode()).hexdigest()
        assert "withdraw" in document.body.lower()
        assert "What withdrawing does" in document.body


def test_the_writing_text_is_honest_about_where_and_what_is_not_encrypted(consent_documents):
    body = consent_document_latest(scope=ConsentScope.CORPUS).body
    assert 'computes an "embedding"' in body and "locally, on this server" in body
    assert "cannot be encrypted" in body and "(vectors)" in body and "(lexemes)" in body


def test_the_newest_version_is_the_latest(consent_documents):
    newer = consent_document_publish(ConsentScope.VOICE, 2)
    assert consent_document_latest(scope=ConsentScope.VOICE) == newer


def test_a_document_shows_in_sections(consent_documents):
    document = ConsentDocument.objects.get(scope=ConsentScope.CORPUS, version=1)
    headings = [heading for heading, _ in document.sections() if heading]
    assert headings[:3] == ["What is processed", "Where it happens", "What is not encrypted"]
    assert "".join(p for _, p in document.sections()).count("embedding") >= 1
