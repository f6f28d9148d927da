import hashlib

import factory

from consent.models import ConsentDocument, ConsentRecord
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from tests.memorials.factories import MemorialFactory


class ConsentDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentDocument
        django_get_or_create = ["scope", "version"]

    scope = ConsentScope.CORPUS
    version = 1
    title = factory.LazyAttribute(lambda o: f"Consent: {o.scope}")
    body = factory.LazyAttribute(lambda o: f"I agree that Legacy may use {o.scope}.")
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.body.encode()).hexdigest())


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    """A live (unrevoked) signature by the memorial's subject."""

    class Meta:
        model = ConsentRecord

    memorial = factory.SubFactory(MemorialFactory)
    scope = ConsentScope.CORPUS
    document = factory.SubFactory(ConsentDocumentFactory, scope=factory.SelfAttribute("..scope"))
    document_sha256 = factory.SelfAttribute("document.sha256")
    signer = factory.SelfAttribute("memorial.subject")
    typed_name_encrypted = factory.LazyAttribute(
        lambda o: memorial_cipher(memorial_id=o.memorial.id).encrypt_text(o.memorial.name)
    )
    method = ConsentRecord.Method.PASSWORD


def grant_consent(memorial, *scopes: str) -> None:
    for scope in scopes:
        ConsentRecordFactory(memorial=memorial, scope=scope)


def consent_documents_install() -> None:
    """The published documents, as the data migration installs them. Transactional tests
    flush every table afterwards, migration data included, so tests that need the real
    texts call this (it is idempotent)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("consent.migrations.0003_consent_documents_v1")
    migration.install(apps, None)


def consent_document_publish(scope: str, version: int, body: str | None = None):
    """A newer version of a scope's text, as a later data migration would add."""
    body = body or f"Version {version} of the text for {scope}."
    return ConsentDocument.objects.create(
        scope=scope,
        version=version,
        title=f"Consent {scope} v{version}",
        body=body,
        sha256=hashlib.sha256(body.encode()).hexdigest(),
    )
