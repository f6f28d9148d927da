"""Reads for the corpus pages. Callers have passed `memorial_get_for` already."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from core.crypto import MemorialCipher, memorial_cipher
from corpus.models import Correspondent, Document, Passage, SubjectIdentity, Upload
from corpus.records import PassageRecord

PASSAGES_PER_PAGE = 50
DOCUMENTS_PER_PAGE = 50


@dataclass
class DocumentRow:
    document: Document
    title: str


def upload_list(*, memorial_id: uuid.UUID) -> QuerySet[Upload]:
    return Upload.objects.filter(memorial_id=memorial_id).order_by("-created_at")


def upload_get(*, memorial_id: uuid.UUID, upload_id: uuid.UUID) -> Upload | None:
    return Upload.objects.filter(memorial_id=memorial_id, id=upload_id).first()


def identity_list(*, memorial_id: uuid.UUID) -> QuerySet[SubjectIdentity]:
    return SubjectIdentity.objects.filter(memorial_id=memorial_id)


def correspondent_list(*, memorial_id: uuid.UUID) -> QuerySet[Correspondent]:
    return Correspondent.objects.filter(memorial_id=memorial_id)


def identity_get(*, memorial_id: uuid.UUID, identity_id: int) -> SubjectIdentity | None:
    return identity_list(memorial_id=memorial_id).filter(id=identity_id).first()


def correspondent_get(*, memorial_id: uuid.UUID, correspondent_id: int) -> Correspondent | None:
    return correspondent_list(memorial_id=memorial_id).filter(id=correspondent_id).first()


def corpus_counts(*, memorial_id: uuid.UUID) -> dict[str, int]:
    return {
        "documents": Document.objects.filter(memorial_id=memorial_id).count(),
        "passages": Passage.objects.filter(memorial_id=memorial_id).count(),
    }


def document_get(*, memorial_id: uuid.UUID, document_id: uuid.UUID) -> Document | None:
    return Document.objects.filter(memorial_id=memorial_id, id=document_id).first()


def document_title(*, document: Document) -> str:
    return memorial_cipher(memorial_id=document.memorial_id).decrypt_text(document.title_encrypted)


def passage_get(*, memorial_id: uuid.UUID, passage_id: int) -> Passage | None:
    return Passage.objects.filter(memorial_id=memorial_id, id=passage_id).first()


def document_page(
    *, memorial_id: uuid.UUID, page: int, register: str = ""
) -> tuple[Page, list[DocumentRow]]:
    documents = Document.objects.filter(memorial_id=memorial_id).defer("text_encrypted")
    if register:
        documents = documents.filter(register=register)
    current = Paginator(documents.order_by("-date", "-created_at"), DOCUMENTS_PER_PAGE).get_page(
        page
    )
    cipher = memorial_cipher(memorial_id=memorial_id)
    rows = [
        DocumentRow(document=document, title=cipher.decrypt_text(document.title_encrypted))
        for document in current
    ]
    return current, rows


def passage_page(
    *,
    memorial_id: uuid.UUID,
    page: int,
    document_id: uuid.UUID | None = None,
    register: str = "",
) -> tuple[Page, list[PassageRecord]]:
    """Passages in reading order (document by document), decrypted for the subject."""
    passages = (
        Passage.objects.filter(memorial_id=memorial_id)
        .select_related("document")
        .only(
            "id",
            "document_id",
            "position",
            "text_encrypted",
            "speaker",
            "is_subject",
            "sent_at",
            "register",
            "document__title_encrypted",
            "document__date",
        )
        .order_by("-document__date", "document_id", "position")
    )
    if document_id is not None:
        passages = passages.filter(document_id=document_id)
    if register:
        passages = passages.filter(register=register)
    current = Paginator(passages, PASSAGES_PER_PAGE).get_page(page)
    cipher = memorial_cipher(memorial_id=memorial_id)
    return current, [_passage_record(passage, cipher) for passage in current]


def _passage_record(passage: Passage, cipher: MemorialCipher) -> PassageRecord:
    return PassageRecord(
        id=passage.id,
        document_id=passage.document_id,
        document_title=cipher.decrypt_text(passage.document.title_encrypted),
        position=passage.position,
        text=cipher.decrypt_text(passage.text_encrypted),
        speaker=passage.speaker,
        is_subject=passage.is_subject,
        sent_at=passage.sent_at,
        register=passage.register,
    )
