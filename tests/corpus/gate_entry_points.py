"""Every corpus entry point gated by consent, for the consent test suite to import.

Each entry is (name, scope, callable(memorial) -> None) that invokes the entry point on a
memorial; it must raise consent.gate.ConsentRequired when the scope is not granted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile

from core.crypto import memorial_cipher
from corpus.models import (
    Correspondent,
    Deletion,
    Document,
    Passage,
    SubjectIdentity,
    Upload,
)
from corpus.parsers.base import ParsedDocument, ParsedMessage
from corpus.partitions import passage_partition_ensure, passage_vector_index_ensure
from corpus.retrieval import passage_cosines, passage_retrieve
from corpus.services.deletions import deletion_restore, document_delete
from corpus.services.documents import (
    correspondent_add,
    correspondent_remove,
    document_register_set,
    identity_add,
    identity_remove,
)
from corpus.services.ingest import upload_ingest
from corpus.services.passages_store import CorpusPeople, document_ingest
from corpus.services.uploads import upload_create, upload_retry
from corpus.storage import upload_file_store
from corpus.writing import passage_vectors, passages_by_id, subject_passages

CORPUS = "corpus"


def _upload_row(memorial) -> Upload:
    return _upload(memorial, name="chat.txt", size=1, sha256="0" * 64, path="", status="queued")


def _upload(memorial, *, name: str, **fields) -> Upload:
    """An upload row, its name and outcomes encrypted as `upload_create` leaves them."""
    cipher = memorial_cipher(memorial_id=memorial.id)
    return Upload.objects.create(
        memorial=memorial,
        name_encrypted=cipher.encrypt_text(name),
        outcomes_encrypted=cipher.encrypt_text("[]"),
        **fields,
    )


def _document(memorial) -> Document:
    return Document.objects.create(
        memorial=memorial, kind="journal", source="text", title_encrypted=b"",
        text_encrypted=b"", register="friends", content_sha256="1" * 64,
    )  # fmt: skip


def _passage(memorial) -> Passage:
    passage_partition_ensure(memorial_id=memorial.id)
    return Passage.objects.create(
        memorial=memorial, document=_document(memorial), position=0, text_encrypted=b"",
        register="friends", embedding=[0.0] * 384, search="",
    )  # fmt: skip


def _stored_upload(memorial) -> Upload:
    """An upload with its file really stored, as upload_create leaves it (without its gate)."""
    upload_id = uuid.uuid4()
    path = upload_file_store(
        memorial_id=memorial.id,
        upload_id=upload_id,
        source=SimpleUploadedFile("journal.txt", b"# 2020-01-02\nA quiet day by the sea."),
    )
    return _upload(memorial, id=upload_id, name="journal.txt", size=40, sha256="2" * 64, path=path)


def _ingest(memorial) -> None:
    upload_ingest(upload_id=_stored_upload(memorial).id)
    upload = Upload.objects.get(memorial=memorial)
    if upload.status == "stopped":  # the ingest reports a refusal on the upload
        from consent.gate import ConsentRequired

        raise ConsentRequired(CORPUS)


def _deletion(memorial) -> Deletion:
    """A document deleted (deleting needs no consent: it only removes), to be put back."""
    return document_delete(document=_document(memorial), actor=memorial.subject)


CORPUS_ENTRY_POINTS: list[tuple[str, str, Callable[..., None]]] = [
    ("corpus.deletion_restore", CORPUS,
     lambda m: deletion_restore(deletion=_deletion(m), actor=None)),
    ("corpus.upload_create", CORPUS, lambda m: upload_create(
        memorial_id=m.id, file=SimpleUploadedFile("a.txt", b"Dear diary, a fine day.")
    )),
    ("corpus.upload_ingest", CORPUS, _ingest),
    ("corpus.document_ingest", CORPUS, lambda m: document_ingest(
        memorial_id=m.id, upload=None, cipher=memorial_cipher(memorial_id=m.id),
        people=CorpusPeople(identities=frozenset(), correspondents={}),
        parsed=ParsedDocument(kind="journal", source="text", title="A day",
                              messages=[ParsedMessage(author="", text="A quiet day.")]),
    )),
    ("corpus.upload_retry", CORPUS, lambda m: upload_retry(upload=_upload_row(m))),
    ("corpus.passage_retrieve", CORPUS, lambda m: passage_retrieve(memorial_id=m.id, query="sea")),
    ("corpus.passage_cosines", CORPUS,
     lambda m: passage_cosines(memorial_id=m.id, query="sea", passage_ids=[1])),
    ("corpus.passage_vector_index_ensure", CORPUS,
     lambda m: passage_vector_index_ensure(memorial_id=m.id)),
    ("corpus.document_register_set", CORPUS, lambda m: document_register_set(
        document=_document(m), register="family"
    )),
    ("corpus.identity_add", CORPUS, lambda m: identity_add(
        memorial_id=m.id, kind="name", value="Ann"
    )),
    ("corpus.identity_remove", CORPUS, lambda m: identity_remove(
        identity=SubjectIdentity.objects.create(memorial=m, kind="name", value_hash="ann")
    )),
    ("corpus.correspondent_add", CORPUS, lambda m: correspondent_add(
        memorial_id=m.id, value="George", register="family"
    )),
    ("corpus.subject_passages", CORPUS, lambda m: subject_passages(memorial_id=m.id)),
    ("corpus.passages_by_id", CORPUS,
     lambda m: passages_by_id(memorial_id=m.id, passage_ids=[1])),
    ("corpus.passage_vectors", CORPUS,
     lambda m: passage_vectors(memorial_id=m.id, passage_ids=[1])),
    ("corpus.correspondent_remove", CORPUS, lambda m: correspondent_remove(
        correspondent=Correspondent.objects.create(memorial=m, value_hash="g", register="family")
    )),
]  # fmt: skip
