"""The subject's corrections: deleting uploads, registers, identities (deleting passages and
documents, undoably: `corpus.services.deletions`)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.db.models import Q

from consent.gate import consent_require
from core.audit import audit_record
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from corpus.models import (
    Correspondent,
    Document,
    IdentityKind,
    Passage,
    Register,
    SubjectIdentity,
    Upload,
)
from corpus.registers import identity_hash
from corpus.signals import corpus_changed_send
from corpus.storage import upload_file_delete


def upload_delete(*, upload: Upload, actor: Any) -> int:
    """Delete an upload, its stored file and every document that came from it (no consent
    needed). Final at once: what was set aside from it goes too (`Deletion.upload`)."""
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
        if passages:
            corpus_changed_send(memorial_id=memorial_id, reason="you removed some writing")
        transaction.on_commit(lambda: upload_file_delete(path))
    return passages


def document_register_set(*, document: Document, register: str, actor: Any = None) -> Document:
    """The subject's correction; kept from then on, copied onto the passages, audited."""
    consent_require(memorial_id=document.memorial_id, scope=ConsentScope.CORPUS)
    register = Register(register)
    with transaction.atomic():
        cipher = memorial_cipher(memorial_id=document.memorial_id)
        document.register = register
        document.register_reason_encrypted = cipher.encrypt_text("set by you")
        document.register_corrected = True
        document.save(
            update_fields=[
                "register",
                "register_reason_encrypted",
                "register_corrected",
                "updated_at",
            ]
        )
        Passage.objects.filter(memorial_id=document.memorial_id, document=document).update(
            register=register
        )
        audit_record(
            action="corpus.register_set",
            memorial_id=document.memorial_id,
            actor=actor,
            data={"document": str(document.id), "register": register.value},
        )
        corpus_changed_send(
            memorial_id=document.memorial_id,
            reason="you moved a document to another part of your life",
        )
    return document


def identity_add(
    *, memorial_id: uuid.UUID, kind: str, value: str, actor: Any = None
) -> SubjectIdentity:
    """List a name, address or handle as the subject's (once: a value equal to one listed,
    as `identity_normalise` compares them, is that one), and mark whose words are whose.
    Audited by its kind, never its value."""
    consent_require(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
    cipher = memorial_cipher(memorial_id=memorial_id)
    value = value.strip()[:255]
    with transaction.atomic():
        identity, _ = SubjectIdentity.objects.get_or_create(
            memorial_id=memorial_id,
            kind=IdentityKind(kind),
            value_hash=identity_hash(cipher=cipher, value=value),
            defaults={"value_encrypted": cipher.encrypt_text(value)},
        )
        audit_record(
            action="corpus.identity_added",
            memorial_id=memorial_id,
            actor=actor,
            data={"kind": identity.kind},
        )
        authorship_remark(memorial_id=memorial_id)
        corpus_changed_send(memorial_id=memorial_id, reason="you changed your names")
    return identity


def identity_remove(*, identity: SubjectIdentity, actor: Any = None) -> None:
    consent_require(memorial_id=identity.memorial_id, scope=ConsentScope.CORPUS)
    with transaction.atomic():
        identity.delete()
        audit_record(
            action="corpus.identity_removed",
            memorial_id=identity.memorial_id,
            actor=actor,
            data={"kind": identity.kind},
        )
        authorship_remark(memorial_id=identity.memorial_id)
        corpus_changed_send(memorial_id=identity.memorial_id, reason="you changed your names")


def correspondent_add(
    *, memorial_id: uuid.UUID, value: str, register: str, actor: Any = None
) -> Correspondent:
    """Place someone in a register; someone placed before (the same value, as
    `identity_normalise` compares them) moves, under the name given now. Audited by the
    register, never the person's name."""
    consent_require(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
    cipher = memorial_cipher(memorial_id=memorial_id)
    value = value.strip()[:255]
    with transaction.atomic():
        correspondent, _ = Correspondent.objects.update_or_create(
            memorial_id=memorial_id,
            value_hash=identity_hash(cipher=cipher, value=value),
            defaults={
                "register": Register(register),
                "value_encrypted": cipher.encrypt_text(value),
            },
        )
        audit_record(
            action="corpus.correspondent_set",
            memorial_id=memorial_id,
            actor=actor,
            data={"register": correspondent.register},
        )
    return correspondent


def correspondent_remove(*, correspondent: Correspondent, actor: Any = None) -> None:
    consent_require(memorial_id=correspondent.memorial_id, scope=ConsentScope.CORPUS)
    with transaction.atomic():
        correspondent.delete()
        audit_record(
            action="corpus.correspondent_removed",
            memorial_id=correspondent.memorial_id,
            actor=actor,
            data={"register": correspondent.register},
        )


def authorship_remark(*, memorial_id: uuid.UUID) -> None:
    """Mark again whose words are whose, after the subject changed their identities. Names
    are compared as `identity_normalise` does (case, spaces and a leading @ of a handle
    ignored), by their keyed hashes; a passage or document with no author at all stays the
    subject's."""
    hashes = list(
        SubjectIdentity.objects.filter(memorial_id=memorial_id).values_list("value_hash", flat=True)
    )

    def matches(name: str, ident: str) -> Q:
        return (
            Q(**{name: "", ident: ""})
            | Q(**{f"{name}__in": hashes})
            | Q(**{f"{ident}__in": hashes})
        )

    passages = Passage.objects.filter(memorial_id=memorial_id)
    passages.filter(matches("speaker_hash", "speaker_id_hash")).update(is_subject=True)
    passages.exclude(matches("speaker_hash", "speaker_id_hash")).update(is_subject=False)
    documents = Document.objects.filter(memorial_id=memorial_id)
    documents.filter(matches("author_hash", "author_id_hash")).update(is_subject_author=True)
    documents.exclude(matches("author_hash", "author_id_hash")).update(is_subject_author=False)
