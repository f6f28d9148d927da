"""Search structures keyed to the memorial: tokens for lexemes, rotated vectors, keyed hashes."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from django.db import connection

from core.crypto import memorial_cipher
from corpus.models import Document, LexemeFrequency, Passage, Upload
from corpus.passage_vectors import passage_vectors
from corpus.retrieval import passage_retrieve
from corpus.search_keys import TOKEN_HEX, memorial_search_keys, vector_rotation
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

SECRET_WORDS = ["bobsecretomega", "4411", "vault", "code", "dolphin", "ann", "smith"]


def stored_vectors(memorial: Memorial) -> np.ndarray:
    passages = Passage.objects.filter(memorial=memorial).order_by("position")
    return np.array([passage.embedding for passage in passages], dtype=np.float64)


@pytest.mark.django_db
def test_no_word_of_a_passage_is_stored_in_its_search_column_or_statistics(memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SECRET_CHAT))
    searched = stored_search(memorial)
    assert len(searched) == len(SECRET_CHAT)
    lexemes = set(
        LexemeFrequency.objects.filter(memorial=memorial).values_list("lexeme", flat=True)
    )
    for word in SECRET_WORDS:  # as a lexeme, 'word' (or 'word':3 with its position)
        assert not any(f"'{word}'" in text for text in searched), word
        assert word not in lexemes
    # tokens only, without positions: 'a1b2...' and never 'word':3
    assert all(len(lexeme) == TOKEN_HEX for lexeme in lexemes)
    assert not any(":" in text for text in searched)
    # and a token is what the memorial's key makes of the word
    keys = memorial_search_keys(cipher=memorial_cipher(memorial_id=memorial.id))
    assert keys.token("bobsecretomega") in lexemes


@pytest.mark.django_db
def test_keyword_and_meaning_still_find_the_passage(memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SECRET_CHAT))
    by_keyword = passage_retrieve(memorial_id=memorial.id, query="BOBSECRETOMEGA", limit=3)
    assert "BOBSECRETOMEGA" in by_keyword[0].text
    by_meaning = passage_retrieve(memorial_id=memorial.id, query="sea mammals", limit=3)
    assert "dolphins" in " ".join(result.text for result in by_meaning[:2])


@pytest.mark.django_db
def test_two_memorials_store_different_tokens_for_the_same_words(memorial):
    other = MemorialFactory()
    grant_consent(other, "corpus")
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    ingest(other, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    mine = set(LexemeFrequency.objects.filter(memorial=memorial).values_list("lexeme", flat=True))
    theirs = set(LexemeFrequency.objects.filter(memorial=other).values_list("lexeme", flat=True))
    assert len(mine) == len(theirs) > 10
    assert not mine & theirs


@pytest.mark.django_db
def test_vectors_are_stored_rotated_with_the_models_distances(memorial, tmp_path):
    content = whatsapp_export(SAMPLE_CHAT)
    ingest(memorial, "chat.txt", content)
    drafts = drafts_of(content, tmp_path)
    model = passage_vectors(drafts, range(len(drafts))).astype(np.float64)
    stored = stored_vectors(memorial)
    # what is stored is not the model's vector...
    assert np.abs(stored - model).max() > 0.1
    assert np.abs(np.sum(stored * model, axis=1)).max() < 0.5  # nothing like the model's
    # ...yet every cosine distance between passages is the model's, and so Postgres's
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.position, b.position, a.embedding <=> b.embedding FROM corpus_passage a"
            " JOIN corpus_passage b ON a.memorial_id = b.memorial_id WHERE a.memorial_id = %s",
            [memorial.id],
        )
        distances = cursor.fetchall()
    assert len(distances) == len(drafts) ** 2
    for a, b, distance in distances:
        assert distance == pytest.approx(1 - model[a] @ model[b], abs=1e-5)
    # undoing the memorial's rotation gives the model's vectors back
    keys = memorial_search_keys(cipher=memorial_cipher(memorial_id=memorial.id))
    np.testing.assert_allclose(keys.rotate(model), stored, atol=1e-5)


def test_a_rotation_is_orthogonal_and_fixed_by_its_seed():
    rotation = vector_rotation(seed=b"k" * 32)
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(384), atol=1e-5)
    vector_rotation.cache_clear()  # built again from the seed alone: the same matrix
    np.testing.assert_array_equal(vector_rotation(seed=b"k" * 32), rotation)
    assert np.abs(vector_rotation(seed=b"j" * 32) - rotation).max() > 0.1
    assert not rotation.flags.writeable


@pytest.mark.django_db
def test_file_hashes_are_keyed_per_memorial_and_still_deduplicate(memorial):
    other = MemorialFactory()
    grant_consent(other, "corpus")
    content = whatsapp_export(SAMPLE_CHAT)
    plain = hashlib.sha256(content).hexdigest()
    # the same file to two memorials
    ingest(memorial, "chat.txt", content)
    ingest(other, "chat.txt", content)
    mine, theirs = Upload.objects.get(memorial=memorial), Upload.objects.get(memorial=other)
    assert plain not in {mine.sha256, theirs.sha256} and mine.sha256 != theirs.sha256
    document, their_document = (Document.objects.get(memorial=m) for m in (memorial, other))
    assert document.content_sha256 != their_document.content_sha256
    # the same file again to one memorial is still the first upload
    again, created = upload(memorial, "chat (1).txt", content)
    assert not created and again.id == mine.id
