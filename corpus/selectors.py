"""Reads for the corpus pages. Callers have passed `memorial_get_for` already.

Names (of files, people, registers' reasons) are stored encrypted: the rows read here come
with them decrypted, by one cipher for the whole page."""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce

from consent.gate import consent_is_granted
from core.consent import ConsentScope
from core.crypto import MemorialCipher, memorial_cipher
from core.queries import compiled_rows
from corpus.kinds import document_label, document_origin, format_label
from corpus.models import (
    Correspondent,
    Deletion,
    Document,
    Passage,
    Register,
    SubjectIdentity,
    Upload,
)
from corpus.records import PassageRecord
from corpus.registers import identity_normalise
from corpus.retrieval import passage_cosines, passage_retrieve

PASSAGES_PER_PAGE = 50
DOCUMENTS_PER_PAGE = 50


@dataclass
class DocumentRow:
    document: Document
    title: str
    author: str
    audience: list[str]
    register_reason: str
    label: str  # what it is, in plain words (`corpus.kinds`)
    origin: str  # the uploaded file it was read from


@dataclass
class UploadRow:
    upload: Upload
    name: str
    outcomes: list[dict[str, Any]]  # one per file or zip member

    @property
    def file_errors(self) -> list[dict[str, Any]]:
        """The outcomes with an error the upload's own error does not already say: each
        error is shown once."""
        return [
            outcome
            for outcome in self.outcomes
            if outcome.get("error") and outcome["error"] != self.upload.error
        ]

    @property
    def formats_read(self) -> list[str]:
        """What its files were read as, in plain words, each once: "WhatsApp chat"."""
        labels = [
            format_label(outcome["format"])
            for outcome in self.outcomes
            if outcome.get("format") and (outcome.get("documents") or outcome.get("duplicates"))
        ]
        return list(dict.fromkeys(labels))


@dataclass
class IdentityRow:
    identity: SubjectIdentity
    value: str


@dataclass
class CorrespondentRow:
    correspondent: Correspondent
    value: str


def upload_list(*, memorial_id: uuid.UUID) -> list[UploadRow]:
    uploads = Upload.objects.filter(memorial_id=memorial_id).order_by("-created_at")
    cipher = memorial_cipher(memorial_id=memorial_id)
    return [upload_row(upload=upload, cipher=cipher) for upload in uploads]


def upload_row(*, upload: Upload, cipher: MemorialCipher | None = None) -> UploadRow:
    """One upload with its name and what became of each of its files, decrypted."""
    cipher = cipher or memorial_cipher(memorial_id=upload.memorial_id)
    return UploadRow(
        upload=upload,
        name=cipher.decrypt_text(upload.name_encrypted),
        outcomes=json.loads(cipher.decrypt_text(upload.outcomes_encrypted)),
    )


def upload_get(*, memorial_id: uuid.UUID, upload_id: uuid.UUID) -> Upload | None:
    return Upload.objects.filter(memorial_id=memorial_id, id=upload_id).first()


def upload_name(*, upload: Upload) -> str:
    return memorial_cipher(memorial_id=upload.memorial_id).decrypt_text(upload.name_encrypted)


def identity_list(*, memorial_id: uuid.UUID) -> list[IdentityRow]:
    """The subject's identities by kind, then value."""
    cipher = memorial_cipher(memorial_id=memorial_id)
    rows = [
        IdentityRow(identity=identity, value=cipher.decrypt_text(identity.value_encrypted))
        for identity in SubjectIdentity.objects.filter(memorial_id=memorial_id)
    ]
    return sorted(rows, key=lambda row: (row.identity.kind, row.value.lower()))


def correspondent_list(*, memorial_id: uuid.UUID) -> list[CorrespondentRow]:
    """The people the subject placed, by register, then value."""
    cipher = memorial_cipher(memorial_id=memorial_id)
    rows = [
        CorrespondentRow(
            correspondent=correspondent, value=cipher.decrypt_text(correspondent.value_encrypted)
        )
        for correspondent in Correspondent.objects.filter(memorial_id=memorial_id)
    ]
    return sorted(rows, key=lambda row: (row.correspondent.register, row.value.lower()))


def identity_get(*, memorial_id: uuid.UUID, identity_id: int) -> SubjectIdentity | None:
    return SubjectIdentity.objects.filter(memorial_id=memorial_id, id=identity_id).first()


def correspondent_get(*, memorial_id: uuid.UUID, correspondent_id: int) -> Correspondent | None:
    return Correspondent.objects.filter(memorial_id=memorial_id, id=correspondent_id).first()


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
        DocumentRow(
            document=document,
            title=cipher.decrypt_text(document.title_encrypted),
            author=cipher.decrypt_text(document.author_encrypted),
            audience=json.loads(cipher.decrypt_text(document.audience_encrypted)),
            register_reason=cipher.decrypt_text(document.register_reason_encrypted),
            label=document_label(kind=document.kind, source=document.source),
            origin=document_origin(source_path=cipher.decrypt_text(document.source_path_encrypted)),
        )
        for document in current
    ]
    return current, rows


def _passages_filtered(
    *,
    memorial_id: uuid.UUID,
    document_id: uuid.UUID | None,
    register: str,
    since: datetime | None,
    until: datetime | None,
) -> Any:
    """The memorial's passages under the page's filters, each with its `moment`: when it was
    written (its own time, else its document's date)."""
    passages = Passage.objects.filter(memorial_id=memorial_id).annotate(
        moment=Coalesce("sent_at", "document__date")
    )
    if document_id is not None:
        passages = passages.filter(document_id=document_id)
    if register:
        passages = passages.filter(register=register)
    if since is not None:
        passages = passages.filter(moment__gte=since)
    if until is not None:
        passages = passages.filter(moment__lt=until)
    return passages


def passage_page(
    *,
    memorial_id: uuid.UUID,
    page: int,
    document_id: uuid.UUID | None = None,
    register: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    at: datetime | None = None,
) -> tuple[Page, list[PassageRecord]]:
    """Passages newest first (undated ones last), decrypted for the subject, under the
    filters (`since` inclusive, `until` exclusive). With `at`, the page holding the newest
    passage written before it (a jump to a date), instead of page `page`."""
    filtered = _passages_filtered(
        memorial_id=memorial_id,
        document_id=document_id,
        register=register,
        since=since,
        until=until,
    )
    passages = (
        filtered.select_related("document")
        .only(
            "id",
            "document_id",
            "position",
            "text_encrypted",
            "speaker_encrypted",
            "is_subject",
            "sent_at",
            "register",
            "document__title_encrypted",
            "document__kind",
            "document__source",
            "document__date",
        )
        .order_by(F("moment").desc(nulls_last=True), "-document_id", "-position")
    )
    if at is not None:
        newer = filtered.filter(moment__gte=at).count()
        page = newer // PASSAGES_PER_PAGE + 1
    current = Paginator(passages, PASSAGES_PER_PAGE).get_page(page)
    cipher = memorial_cipher(memorial_id=memorial_id)
    return current, [_passage_record(passage, cipher) for passage in current]


def passages_named(
    *, memorial_id: uuid.UUID | str, passages: list[PassageRecord]
) -> list[PassageRecord]:
    """`passages` (as retrieval gives them, their document unread), each naming its document:
    its title, decrypted, and what it is (`corpus.kinds`). One query for them all."""
    if not passages:
        return []
    cipher = memorial_cipher(memorial_id=uuid.UUID(str(memorial_id)))
    documents = Document.objects.filter(
        memorial_id=memorial_id, id__in={passage.document_id for passage in passages}
    ).values_list("id", "title_encrypted", "kind", "source")
    names = {
        document_id: (cipher.decrypt_text(title), document_label(kind=kind, source=source))
        for document_id, title, kind, source in documents
    }
    return [
        dataclasses.replace(
            passage,
            document_title=names.get(passage.document_id, ("", ""))[0],
            document_label=names.get(passage.document_id, ("", ""))[1],
        )
        for passage in passages
    ]


# The cosine between a query's embedding and a passage's stored vector below which the
# passage is not shown as a search result, unless it shares a word with the query. With
# all-MiniLM-L6-v2 and the passages' vectors (a turn with its neighbours summed in), strings
# of nonsense score 0.13-0.25 against everything and queries on another subject ("tax return
# deadline" against a chat about gardens and sailing) under 0.2, while a query on a subject
# the passages speak of scores 0.32-0.42 on them.
RELEVANCE_FLOOR = 0.3
_WORD = re.compile(r"\w{3,}")


def passage_search(
    *,
    memorial_id: uuid.UUID,
    query: str,
    limit: int = 20,
    register: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[PassageRecord]:
    """The passages the twin would draw on for `query` (`passage_retrieve`), best first, each
    naming its document; only those that match it well enough: a word in common with the
    query, or a meaning close to it (`RELEVANCE_FLOOR`). None may be left."""
    found = passage_retrieve(
        memorial_id=memorial_id,
        query=query,
        limit=limit,
        registers=[register] if register else None,
        since=since,
        until=until,
    )
    cosines = passage_cosines(
        memorial_id=memorial_id, query=query, passage_ids=[p.id for p in found]
    )
    words = {word.casefold() for word in _WORD.findall(query)}
    relevant = [
        passage
        for passage in found
        if cosines.get(passage.id, 0.0) >= RELEVANCE_FLOOR
        or words & {word.casefold() for word in _WORD.findall(passage.text)}
    ]
    return passages_named(memorial_id=memorial_id, passages=relevant)


@dataclass
class DeletionRow:
    deletion: Deletion
    label: str
    purge_at: datetime


def deletion_get(*, memorial_id: uuid.UUID, deletion_id: uuid.UUID) -> Deletion | None:
    return Deletion.objects.filter(memorial_id=memorial_id, id=deletion_id).first()


def deletion_list(*, memorial_id: uuid.UUID) -> list[DeletionRow]:
    """What the subject deleted and can still put back, newest first, with when it goes."""
    deletions = list(Deletion.objects.filter(memorial_id=memorial_id).defer("document_row"))
    if not deletions:
        return []
    cipher = memorial_cipher(memorial_id=memorial_id)
    window = timedelta(hours=settings.CORPUS_DELETE_UNDO_HOURS)
    return [
        DeletionRow(
            deletion=deletion,
            label=cipher.decrypt_text(deletion.label_encrypted),
            purge_at=deletion.created_at + window,
        )
        for deletion in deletions
    ]


def _passage_record(passage: Passage, cipher: MemorialCipher) -> PassageRecord:
    return PassageRecord(
        id=passage.id,
        document_id=passage.document_id,
        document_title=cipher.decrypt_text(passage.document.title_encrypted),
        document_label=document_label(kind=passage.document.kind, source=passage.document.source),
        position=passage.position,
        text=cipher.decrypt_text(passage.text_encrypted),
        speaker=cipher.decrypt_text(passage.speaker_encrypted),
        is_subject=passage.is_subject,
        sent_at=passage.sent_at,
        register=passage.register,
    )


@dataclass(frozen=True)
class PassageSource:
    """A passage a reply drew on, as a visitor sees it under "where this comes from": the
    person's own words, the document they are from (its title, and what it is: "WhatsApp
    chat"), when, and to whom (the document's other people, or its register); or, for a turn
    someone else wrote to them, who wrote it (`by`)."""

    id: int
    text: str
    date: datetime | None
    audience: list[str]
    register: str
    by: str = ""  # the writer, when not the person themselves
    document_title: str = ""
    document_label: str = ""

    @property
    def to(self) -> str:
        return ", ".join(self.audience) or self.register

    def as_event(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "date": self.date.date().isoformat() if self.date else "",
            "to": self.to,
            "by": self.by,
            "document": self.document_title,
            "document_label": self.document_label,
        }


@dataclass(frozen=True)
class DocumentPeople:
    """Who a document was written with: its register and the other people in it (a chat's
    or email's participants besides the subject), decrypted."""

    register: str
    audience: list[str]


def document_people(
    *, memorial_id: uuid.UUID | str, document_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, DocumentPeople]:
    """Each document's register and audience, read in one query."""
    if not document_ids:
        return {}
    cipher = memorial_cipher(memorial_id=uuid.UUID(str(memorial_id)))
    # read for every reply before its first word: SQL of a fixed shape (an array, not one
    # placeholder an id), rather than a queryset compiled each time
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, register, audience_encrypted FROM {Document._meta.db_table}"
            " WHERE memorial_id = %s AND id = ANY(%s)",
            [uuid.UUID(str(memorial_id)), [uuid.UUID(str(each)) for each in document_ids]],
        )
        documents = cursor.fetchall()
    return {
        document_id: DocumentPeople(register, json.loads(cipher.decrypt_text(audience) or "[]"))
        for document_id, register, audience in documents
    }


def _identities_of(memorial_id: uuid.UUID) -> QuerySet[SubjectIdentity, bytes]:
    return SubjectIdentity.objects.filter(memorial_id=memorial_id).values_list(
        "value_encrypted", flat=True
    )


def documents_private_to_others(
    *,
    memorial_id: uuid.UUID | str,
    documents: dict[uuid.UUID, DocumentPeople],
    reader: Collection[str],
    family: Collection[str],
    subject: Collection[str] = (),
) -> set[uuid.UUID]:
    """Among `documents` (as `document_people` reads them), the ones the subject wrote
    privately to one other person who is not the reader: a chat, email or letter with
    exactly one person besides the subject (their identities, and the names in `subject`,
    are not counted), not a public post, that person not among `reader` (the reader's
    names, addresses and handles), and family: the document is in the family register, or
    that person is among `family` (the other members' names and addresses). Names are
    compared as `identity_normalise` makes them. A group, a public post or a journal is
    never private to one person."""
    audiences = {
        document_id: (
            {identity_normalise(person) for person in people.audience} - {""},
            people.register,
        )
        for document_id, people in documents.items()
        if people.register != Register.PUBLIC
    }
    if not any(audience for audience, _ in audiences.values()):
        return set()  # journals and prose alone: nobody else in them
    memorial = uuid.UUID(str(memorial_id))
    cipher = memorial_cipher(memorial_id=memorial)
    # compiled once (`core.queries`): read on every reply that drew on a conversation
    identities = compiled_rows(_identities_of, (uuid.UUID(int=0),), [memorial])
    subjects = {identity_normalise(name) for name in subject} | {
        identity_normalise(cipher.decrypt_text(bytes(value))) for (value,) in identities
    }
    readers = {identity_normalise(name) for name in reader} - {""}
    families = {identity_normalise(name) for name in family} - {""}
    private = set()
    for document_id, (audience, register) in audiences.items():
        others = audience - subjects
        if len(others) != 1 or others & readers:
            continue
        if register == Register.FAMILY or others & families:
            private.add(document_id)
    return private


def passage_sources(*, memorial_id: uuid.UUID | str, passage_ids: list[int]) -> list[PassageSource]:
    """The passages `passage_ids` of this memorial, in that order (those since erased left
    out), with their date and audience; none when the writing may no longer be read."""
    if not passage_ids or not consent_is_granted(
        memorial_id=memorial_id, scope=ConsentScope.CORPUS
    ):
        return []
    cipher = memorial_cipher(memorial_id=uuid.UUID(str(memorial_id)))
    passages = {
        passage.id: passage
        for passage in Passage.objects.filter(memorial_id=memorial_id, id__in=passage_ids)
        .select_related("document")
        .only(
            "id",
            "text_encrypted",
            "speaker_encrypted",
            "is_subject",
            "sent_at",
            "register",
            "document__date",
            "document__audience_encrypted",
            "document__title_encrypted",
            "document__kind",
            "document__source",
        )
    }
    sources = []
    for passage_id in passage_ids:
        if (passage := passages.get(passage_id)) is None:
            continue
        document = passage.document
        sources.append(
            PassageSource(
                id=passage.id,
                text=cipher.decrypt_text(passage.text_encrypted),
                date=passage.sent_at or document.date,
                audience=json.loads(cipher.decrypt_text(document.audience_encrypted) or "[]"),
                register=passage.register,
                by="" if passage.is_subject else cipher.decrypt_text(passage.speaker_encrypted),
                document_title=cipher.decrypt_text(document.title_encrypted),
                document_label=document_label(kind=document.kind, source=document.source),
            )
        )
    return sources
