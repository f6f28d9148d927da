"""The subject's corrections: deleting passages and documents, registers, identities."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.db.models import Q

from consent.gate import consent_require
from core.audit import audit_record
from core.consent import ConsentScope
from corpus.models import (
    Correspondent,
    Document,
    IdentityKind,
    Passage,
    Register,
    SubjectIdentity,
    Upload,
)
from corpus.registers import identity_normalise
from corpus.storage import upload_file_delete


def document_delete(*, document: Document, actor: Any) -> int:
    """Delete a document with its passages and their vectors. Returns passages removed.

    Deleting needs no consent: taking one's words back must work after a withdrawal too."""
    with transaction.atomic():
        # memorial_id first in every passage query: it picks the memorial's partition.
        passages, _ = Passage.objects.filter(
            memorial_id=document.memorial_id, document=document
        ).delete()
        document_id, memorial_id, kind = document.id, document.memorial_id, document.kind
        document.delete()
        audit_record(
            action="corpus.document_delete",
            memorial_id=memorial_id,
            actor=actor,
            data={"document": str(document_id), "kind": kind, "passages": passages},
        )
    return passages


def passage_delete(*, passage: Passage, actor: Any) -> None:
    with transaction.atomic():
        document_id, memorial_id = passage.document_id, passage.memorial_id
        Passage.objects.filter(memorial_id=memorial_id, id=passage.id).delete()
        Document.objects.filter(id=document_id).update(
            passages_count=Passage.objects.filter(
                memorial_id=memorial_id, document_id=document_id
            ).count()
        )
        audit_record(
            action="corpus.passage_delete",
            memorial_id=passage.memorial_id,
            actor=actor,
            data={"document": str(document_id), "position": passage.position},
        )


def upload_delete(*, upload: Upload, actor: Any) -> int:
    """Delete an upload, its stored file and every document that came from it (no consent
    needed, as for `document_delete`)."""
    with transaction.atomic():
        passages, _ = Passage.objects.filter(
            memorial_id=upload.memorial_id, document__upload=upload
        ).delete()
        documents, _ = Document.objects.filter(upload=upload).delete()
        path, upload_id, memorial_id = upload.path, upload.id, upload.memorial_id
        upload.delete()
        audit_record(
            action="corpus.upload_delete",
            memorial_id=memorial_id,
            actor=actor,
            data={"upload": str(upload_id), "documents": documents, "passages": passages},
        )
        transaction.on_commit(lambda: upload_file_delete(path))
    return passages


def document_register_set(*, document: Document, register: str) -> Document:
    """The subject's correction; kept from then on, and copied onto the passages."""
    consent_require(memorial_id=document.memorial_id, scope=ConsentScope.CORPUS)
    register = Register(register)
    with transaction.atomic():
        document.register = register
        document.register_reason = "set by you"
        document.register_corrected = True
        document.save(update_fields=["register", "register_reason", "register_corrected",
                                     "updated_at"])  # fmt: skip
        Passage.objects.filter(memorial_id=document.memorial_id, document=document).update(
            register=register
        )
    return document


def identity_add(*, memorial_id: uuid.UUID, kind: str, value: str) -> SubjectIdentity:
    consent_require(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
    with transaction.atomic():
        identity, _ = SubjectIdentity.objects.get_or_create(
            memorial_id=memorial_id, kind=IdentityKind(kind), value=value.strip()[:255]
        )
        authorship_remark(memorial_id=memorial_id)
    return identity


def identity_remove(*, identity: SubjectIdentity) -> None:
    consent_require(memorial_id=identity.memorial_id, scope=ConsentScope.CORPUS)
    with transaction.atomic():
        identity.delete()
        authorship_remark(memorial_id=identity.memorial_id)


def correspondent_add(*, memorial_id: uuid.UUID, value: str, register: str) -> Correspondent:
    consent_require(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
    correspondent, _ = Correspondent.objects.update_or_create(
        memorial_id=memorial_id,
        value=value.strip()[:255],
        defaults={"register": Register(register)},
    )
    return correspondent


def correspondent_remove(*, correspondent: Correspondent) -> None:
    consent_require(memorial_id=correspondent.memorial_id, scope=ConsentScope.CORPUS)
    correspondent.delete()


def authorship_remark(*, memorial_id: uuid.UUID) -> None:
    """Mark again whose words are whose, after the subject changed their identities. Names
    are compared case-insensitively (a leading @ of a handle ignored); a passage or
    document with no author at all stays the subject's."""
    values = {
        identity_normalise(value)
        for value in SubjectIdentity.objects.filter(memorial_id=memorial_id).values_list(
            "value", flat=True
        )
    }
    variants = sorted(values | {"@" + value for value in values})

    def matches(name: str, ident: str) -> Q:
        authorless = Q(**{name: ""}) & Q(**{ident: ""})
        if not variants:
            return authorless
        return (
            authorless
            | Q(**{f"{name}__iregex": _any_of(variants)})
            | Q(**{f"{ident}__iregex": _any_of(variants)})
        )

    passages = Passage.objects.filter(memorial_id=memorial_id)
    passages.filter(matches("speaker", "speaker_id")).update(is_subject=True)
    passages.exclude(matches("speaker", "speaker_id")).update(is_subject=False)
    documents = Document.objects.filter(memorial_id=memorial_id)
    documents.filter(matches("author", "author_id")).update(is_subject_author=True)
    documents.exclude(matches("author", "author_id")).update(is_subject_author=False)


def _any_of(values: list[str]) -> str:
    """A whole-value, case-insensitive, space-tolerant match of any of `values`."""
    import re

    parts = [r"\s+".join(re.escape(word) for word in value.split()) for value in values]
    return r"^\s*(" + "|".join(parts) + r")\s*$"
