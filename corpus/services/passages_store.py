"""Writing one parsed document and its passages: embedded, encrypted, full-text indexed."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import IntegrityError, connection

from core.consent import ConsentScope
from core.crypto import MemorialCipher
from core.tasks import memorial_step, step_check
from corpus.models import Document, Passage, Upload
from corpus.parsers import ParsedDocument
from corpus.partitions import passage_partition_ensure
from corpus.passage_vectors import documents_vectors, passage_vectors
from corpus.passages import PassageDraft, split_document
from corpus.registers import identity_hash, is_subject_speaker, register_infer
from corpus.search_keys import TOKENS_TSVECTOR_SQL, memorial_search_keys, text_tokens

# Passages embedded and written per round trip: bounds memory for a 100,000-message chat.
PASSAGE_BATCH = 512


@dataclass(frozen=True)
class CorpusPeople:
    """What the subject told us about people: their own identities, and correspondents."""

    identities: frozenset[str]  # normalised names, addresses, handles of the subject
    correspondents: dict[str, str]  # normalised value -> register


@dataclass(frozen=True)
class EmbeddedDrafts:
    """A document's passages, split and embedded before it is written (`documents_embed`)."""

    drafts: list[PassageDraft]
    vectors: np.ndarray  # one row per draft


def documents_embed(
    *, memorial_id: uuid.UUID, drafts: Sequence[list[PassageDraft]]
) -> list[EmbeddedDrafts]:
    """Several documents' passages (`split_document`) embedded together, once the corpus
    consent is checked: the short messages of a mailbox fill the model's batches together
    (one at a time, each message's few texts ran alone). Give each to `document_ingest`."""
    step_check(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
    vectors = documents_vectors([(each, range(len(each))) for each in drafts])
    return [EmbeddedDrafts(each, rows) for each, rows in zip(drafts, vectors, strict=True)]


def document_stored(
    *, memorial_id: uuid.UUID, parsed: ParsedDocument, cipher: MemorialCipher
) -> Document | None:
    """The memorial's document of this content, if one is stored already."""
    return _document_of(memorial_id, cipher.content_digest(document_content_sha256(parsed)))


def _document_of(memorial_id: uuid.UUID, content_sha256: str) -> Document | None:
    return Document.objects.filter(memorial_id=memorial_id, content_sha256=content_sha256).first()


def document_content_sha256(parsed: ParsedDocument) -> str:
    """The same content from two files (one email in an mbox and as .eml) hashes the same.
    Plain SHA-256: what is stored is the memorial's keyed digest of it (`content_digest`)."""
    payload = [parsed.kind, parsed.title] + [
        [m.author, m.author_id, m.sent_at.isoformat() if m.sent_at else "", m.text]
        for m in parsed.messages
    ]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def document_plain_text(parsed: ParsedDocument) -> str:
    if len(parsed.messages) == 1:
        return parsed.messages[0].text
    return "\n\n".join(f"{m.author}: {m.text}" if m.author else m.text for m in parsed.messages)


def document_ingest(
    *,
    memorial_id: uuid.UUID,
    upload: Upload | None,
    parsed: ParsedDocument,
    people: CorpusPeople,
    cipher: MemorialCipher,
    on_batch: Callable[[int, int], None] | None = None,
    embedded: EmbeddedDrafts | None = None,
) -> tuple[Document, bool]:
    """Store one document and all its passages in one step (`core.tasks.memorial_step`): after
    a crash either all of it is there or none, so a rerun skips it or redoes it whole, never
    half; and it commits only while the corpus consent is live (else ConsentRequired, and
    nothing of it is kept). Returns (document, created); created is False when this content
    was already stored. `on_batch(done, total)` is called as its passages are embedded and
    written: before the first (0 of them), then after each batch. With `embedded` (from
    `documents_embed`), its passages are written with those vectors."""
    content_sha256 = cipher.content_digest(document_content_sha256(parsed))
    existing = _document_of(memorial_id, content_sha256)
    if existing is not None:
        return existing, False
    drafts = embedded.drafts if embedded is not None else split_document(parsed)
    first = parsed.messages[0] if parsed.messages else None
    author, author_id = (first.author, first.author_id) if first else ("", "")
    others = {
        name
        for message in parsed.messages
        for name in (message.author_id or message.author,)
        if not is_subject_speaker(
            author=message.author, author_id=message.author_id, identities=people.identities
        )
    }
    audience = sorted(
        others | {p for p in parsed.participants if p and p not in {author, author_id}}
    )
    text = document_plain_text(parsed)
    guess = register_infer(
        kind=parsed.kind,
        source=parsed.source,
        people=[
            p
            for p in audience
            if not is_subject_speaker(author=p, author_id="", identities=people.identities)
        ],
        text=text,
        correspondents=people.correspondents,
    )
    # Made (and its lock released) before the document's transaction, which may be long.
    passage_partition_ensure(memorial_id=memorial_id)
    try:
        with memorial_step(memorial_id=memorial_id, scope=ConsentScope.CORPUS):
            document = Document.objects.create(
                memorial_id=memorial_id,
                upload=upload,
                kind=parsed.kind,
                source=parsed.source,
                source_path_encrypted=cipher.encrypt_text(parsed.source_path),
                title_encrypted=cipher.encrypt_text(parsed.title or ""),
                text_encrypted=cipher.encrypt_text(text),
                author_encrypted=cipher.encrypt_text(author),
                author_id_encrypted=cipher.encrypt_text(author_id),
                author_hash=identity_hash(cipher=cipher, value=author),
                author_id_hash=identity_hash(cipher=cipher, value=author_id),
                audience_encrypted=cipher.encrypt_text(json.dumps(audience[:200])),
                date=parsed.date or (first.sent_at if first else None),
                register=guess.register,
                register_reason_encrypted=cipher.encrypt_text(guess.reason),
                is_subject_author=is_subject_speaker(
                    author=author, author_id=author_id, identities=people.identities
                ),
                content_sha256=content_sha256,
                passages_count=len(drafts),
            )
            _passages_write(
                document=document, drafts=drafts, people=people, cipher=cipher, on_batch=on_batch,
                vectors=embedded.vectors if embedded is not None else None,
            )  # fmt: skip
    except IntegrityError:
        # Another run stored the same content between our check and our insert.
        existing = _document_of(memorial_id, content_sha256)
        if existing is not None:
            return existing, False
        raise
    return document, True


def _passages_write(*, document, drafts, people, cipher, on_batch, vectors) -> None:  # type: ignore[no-untyped-def]
    """Embed and insert the drafts batch by batch, the next batch embedding (in a thread:
    onnxruntime lets go of the GIL) while this one is written, so Postgres's work and the
    model's overlap. Consent is checked again before every batch is embedded: a withdrawal
    stops the work at the next batch, and the document's step leaves nothing behind. Drafts
    embedded already (`vectors`) are only inserted."""
    batches = [
        range(start, min(start + PASSAGE_BATCH, len(drafts)))
        for start in range(0, len(drafts), PASSAGE_BATCH)
    ]
    if not batches:
        return
    if on_batch is not None:
        on_batch(0, len(drafts))
    if vectors is not None:
        for rows in batches:
            _passages_insert(
                document=document, drafts=drafts[rows.start : rows.stop],
                vectors=vectors[rows.start : rows.stop], people=people, cipher=cipher,
            )  # fmt: skip
            if on_batch is not None:
                on_batch(rows.stop, len(drafts))
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="passage-vectors") as ahead:
        step_check(memorial_id=document.memorial_id, scope=ConsentScope.CORPUS)
        upcoming = ahead.submit(passage_vectors, drafts, batches[0])
        for index, rows in enumerate(batches):
            vectors = upcoming.result()
            if index + 1 < len(batches):
                step_check(memorial_id=document.memorial_id, scope=ConsentScope.CORPUS)
                upcoming = ahead.submit(passage_vectors, drafts, batches[index + 1])
            _passages_insert(
                document=document, drafts=drafts[rows.start : rows.stop], vectors=vectors,
                people=people, cipher=cipher,
            )  # fmt: skip
            if on_batch is not None:
                on_batch(rows.stop, len(drafts))


def _passages_insert(*, document, drafts, vectors, people: CorpusPeople, cipher) -> None:  # type: ignore[no-untyped-def]
    """One multi-row INSERT per batch. The search column holds the memorial's tokens of the
    indexed text's lexemes (stemmed by Postgres, keyed here: `corpus.search_keys`), without
    positions; the vectors are stored rotated by the memorial's secret rotation. The indexed
    text itself is never stored."""
    keys = memorial_search_keys(cipher=cipher)
    vectors = keys.rotate(vectors)
    with connection.cursor() as cursor:
        tokens = text_tokens(
            cursor=cursor, keys=keys, texts=[draft.indexed_text for draft in drafts]
        )
    rows = []
    params: list[Any] = []
    row = "(" + "%s, " * 11 + f"%s::vector, {TOKENS_TSVECTOR_SQL})"
    for draft, vector, draft_tokens in zip(drafts, vectors, tokens, strict=True):
        rows.append(row)
        params += [
            document.memorial_id,
            document.id,
            draft.position,
            cipher.encrypt_text(draft.text),
            cipher.encrypt_text(draft.speaker or ""),
            cipher.encrypt_text(draft.speaker_id or ""),
            identity_hash(cipher=cipher, value=draft.speaker or ""),
            identity_hash(cipher=cipher, value=draft.speaker_id or ""),
            is_subject_speaker(
                author=draft.speaker or "",
                author_id=draft.speaker_id or "",
                identities=people.identities,
            ),
            draft.sent_at,
            document.register,
            vector_literal(vector),
            draft_tokens,
        ]
    table = Passage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (memorial_id, document_id, position, text_encrypted, "
            "speaker_encrypted, speaker_id_encrypted, speaker_hash, speaker_id_hash, "
            "is_subject, sent_at, register, embedding, search) VALUES " + ", ".join(rows),
            params,
        )


def vector_literal(vector) -> str:  # type: ignore[no-untyped-def]
    """pgvector's text form of a vector, for a `%s::vector` parameter."""
    # as Python floats: formatting numpy's own scalars one by one took half again as long
    values = vector.tolist() if hasattr(vector, "tolist") else vector
    return "[" + ",".join(f"{value:.7g}" for value in values) + "]"
