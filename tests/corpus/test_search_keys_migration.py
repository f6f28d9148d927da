"""Migration 0007 converts memorials written before search structures were keyed."""

from __future__ import annotations

import hashlib
import importlib
from pathlib import Path

import numpy as np
import pytest
from django.db import connection

from core.crypto import memorial_cipher, memorial_key_destroy
from corpus.models import CorpusStatistics, Document, LexemeFrequency, Passage, Upload
from corpus.parsers import parse_upload_collected
from corpus.passage_vectors import passage_vectors
from corpus.retrieval import passage_retrieve
from corpus.search_keys import memorial_search_keys, text_tokens
from corpus.services.passages_store import document_content_sha256, vector_literal
from memorials.models import Memorial
from tests.consent.factories import grant_consent
from tests.corpus.conftest import (
    SAMPLE_CHAT,
    SECRET_CHAT,
    drafts_of,
    ingest,
    stored_search,
    upload,
    whatsapp_export,
)
from tests.memorials.factories import MemorialFactory

conversion = importlib.import_module("corpus.migrations.0010_search_structures_keyed")

pytestmark = pytest.mark.django_db

QUERIES = ["dolphins on the boat trip", "BOBSECRETOMEGA", "lemon cake", "Cornwall", "roses"]


def write_the_old_way(memorial: Memorial, content: bytes, tmp_path: Path) -> None:
    """The memorial's rows as the write path stored them before: the lexemes of the indexed
    text with their positions, the model's vectors, plain SHA-256s (the lexeme statistics
    follow by their triggers)."""
    ingest(memorial, "chat.txt", content)
    drafts = drafts_of(content, tmp_path)
    vectors = passage_vectors(drafts, range(len(drafts)))
    columns = (
        "document_id, position, text_encrypted, speaker_encrypted, speaker_id_encrypted,"
        " speaker_hash, speaker_id_hash, is_subject, sent_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, register FROM corpus_passage WHERE memorial_id = %s"
            " ORDER BY position",
            [memorial.id],
        )
        rows = cursor.fetchall()
        cursor.execute("DELETE FROM corpus_passage WHERE memorial_id = %s", [memorial.id])
        for row, draft, vector in zip(rows, drafts, vectors, strict=True):
            cursor.execute(
                f"INSERT INTO corpus_passage (memorial_id, {columns}, register, embedding, search)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::vector,"
                " to_tsvector('english', %s))",
                [memorial.id, *row, vector_literal(vector), draft.indexed_text],
            )
    path = tmp_path / "chat.txt"
    [outcome] = parse_upload_collected(path, "chat.txt")
    Upload.objects.filter(memorial=memorial).update(sha256=hashlib.sha256(content).hexdigest())
    Document.objects.filter(memorial=memorial).update(
        content_sha256=document_content_sha256(outcome.documents[0])
    )


def lexemes(memorial: Memorial) -> set[str]:
    return set(LexemeFrequency.objects.filter(memorial=memorial).values_list("lexeme", flat=True))


def test_an_old_memorial_is_converted_to_what_writing_it_now_stores(memorial, tmp_path):
    # given the same chat written now to one memorial and the old way to another
    content = whatsapp_export(SECRET_CHAT)
    old = MemorialFactory()
    grant_consent(old, "corpus")
    ingest(memorial, "chat.txt", content)
    write_the_old_way(old, content, tmp_path)
    assert "bobsecretomega" in lexemes(old) and "'bobsecretomega':" in " ".join(stored_search(old))
    # when
    cipher = memorial_cipher(memorial_id=old.id)
    with connection.cursor() as cursor:
        conversion.memorial_search_structures_key(cursor=cursor, memorial_id=old.id, cipher=cipher)
    # then its tokens are exactly those the write path makes of the indexed texts
    keys = memorial_search_keys(cipher=cipher)
    drafts = drafts_of(content, tmp_path)
    with connection.cursor() as cursor:
        expected = text_tokens(cursor=cursor, keys=keys, texts=[d.indexed_text for d in drafts])
        cursor.execute(
            "SELECT tsvector_to_array(search) FROM corpus_passage WHERE memorial_id = %s"
            " ORDER BY position",
            [old.id],
        )
        assert [sorted(row[0]) for row in cursor.fetchall()] == expected
    assert "bobsecretomega" not in " ".join(stored_search(old))
    # and the statistics count tokens, as many as before
    assert lexemes(old) == {token for tokens in expected for token in tokens}
    statistics = CorpusStatistics.objects.get(memorial=old)
    assert (statistics.passages, statistics.lexemes) == (len(drafts), sum(map(len, expected)))
    # its vectors are rotated
    model = passage_vectors(drafts, range(len(drafts)))
    passages = Passage.objects.filter(memorial=old).order_by("position")
    stored = np.array([passage.embedding for passage in passages])
    np.testing.assert_allclose(stored, keys.rotate(model), atol=1e-5)
    # its hashes are keyed, and the same file is still recognised
    assert Upload.objects.get(memorial=old).sha256 == cipher.content_digest(
        hashlib.sha256(content).hexdigest()
    )
    again, created = upload(old, "chat (1).txt", content)
    assert not created and again.memorial_id == old.id
    # and retrieval finds what it finds in the memorial written now, in the same order
    for query in QUERIES:
        found = passage_retrieve(memorial_id=old.id, query=query, limit=5)
        expected_found = passage_retrieve(memorial_id=memorial.id, query=query, limit=5)
        assert [r.position for r in found] == [r.position for r in expected_found], query


def test_every_memorial_with_a_live_key_is_converted_and_the_rest_skipped(memorial, tmp_path):
    content = whatsapp_export(SAMPLE_CHAT)
    write_the_old_way(memorial, content, tmp_path)
    gone = MemorialFactory()
    grant_consent(gone, "corpus")
    write_the_old_way(gone, content, tmp_path)
    memorial_key_destroy(memorial_id=gone.id)
    left = stored_search(gone)
    with connection.cursor() as cursor:
        assert conversion.search_structures_key(cursor=cursor) == (1, 1)
    assert "dolphin" not in " ".join(stored_search(memorial))
    assert "dolphin" not in lexemes(memorial)
    assert stored_search(gone) == left
    assert passage_retrieve(memorial_id=memorial.id, query="dolphins", limit=1)
