import hashlib

import factory

from consent.models import ConsentDocument, ConsentRecord, ConsentScope
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
    typed_name = factory.SelfAttribute("memorial.name")
    method = ConsentRecord.Method.PASSWORD


def grant_consent(memorial, *scopes: str) -> None:
    for scope in scopes:
        ConsentRecordFactory(memorial=memorial, scope=scope)
