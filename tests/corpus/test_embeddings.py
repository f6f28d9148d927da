"""Local sentence embeddings: shape, stability, meaning, and a refusal to run a wrong model."""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from corpus import embeddings
from corpus.embeddings import (
    EMBEDDING_DIMENSIONS,
    EmbeddingModelError,
    embed_passages,
    embed_query,
)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)  # the vectors are unit norm


def test_passages_are_unit_float32_vectors_in_input_order() -> None:
    texts = ["Short.", "A somewhat longer sentence about the garden we planted in spring.", ""]

    vectors = embed_passages(texts)

    assert vectors.shape == (3, EMBEDDING_DIMENSIONS)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Batching sorts by length; each row must still belong to its own text (int8 activation
    # ranges are taken per batch, padding included, so a short text batched with a longer
    # one comes out a little different from the same text alone: 0.98 for "Short." here).
    for text, vector in zip(texts, vectors, strict=True):
        assert cosine(vector, embed_query(text)) > 0.95
    assert cosine(vectors[0], embed_query(texts[1])) < 0.9


def test_query_is_one_vector() -> None:
    vector = embed_query("Where did we go on holiday in 1998?")

    assert vector.shape == (EMBEDDING_DIMENSIONS,)
    assert vector.dtype == np.float32


def test_embedding_is_deterministic() -> None:
    text = "My grandmother taught me to bake bread on Sunday mornings."

    assert np.array_equal(embed_query(text), embed_query(text))


def test_a_query_is_the_same_vector_as_the_text_embedded_alone() -> None:
    text = "Do you remember the summer by the sea?"

    assert np.array_equal(embed_query(text), embed_passages([text])[0])


@pytest.mark.usefixtures("no_model_loaded")
def test_texts_the_model_reads_as_the_same_tokens_are_embedded_once() -> None:
    # given the question as the visitor wrote it, then as the guardrails read it (lower
    # case, spaces squeezed: the uncased model's tokens are the same)
    asked = embed_query("Do you   remember the Summer by the sea?")

    # when
    read = embed_query("do you remember the summer by the sea?")

    # then one vector, computed once; a text of other tokens is another
    assert read is asked
    assert embeddings._query_vector.cache_info().misses == 1
    assert not np.array_equal(embed_query("do you remember the winter?"), asked)
    assert embeddings._query_vector.cache_info().misses == 2


def test_paraphrase_is_closer_than_an_unrelated_sentence() -> None:
    anchor, paraphrase, unrelated = embed_passages(
        [
            "I love walking my dog in the park",
            "Strolling in the park with my puppy is my favourite",
            "The quarterly tax filing is due",
        ]
    )

    assert cosine(anchor, paraphrase) > cosine(anchor, unrelated) + 0.3


def test_long_text_is_truncated_not_rejected() -> None:
    vector = embed_query("memories of the seaside " * 400)

    assert vector.shape == (EMBEDDING_DIMENSIONS,)
    assert np.isfinite(vector).all()


def test_empty_list_gives_an_empty_matrix() -> None:
    vectors = embed_passages([])

    assert vectors.shape == (0, EMBEDDING_DIMENSIONS)
    assert vectors.dtype == np.float32


@pytest.fixture
def no_model_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """No encoder loaded and no question's vector kept: an earlier test that embedded the
    same words (any test, in any order) would otherwise answer from `embed_query`'s cache."""
    monkeypatch.setattr(embeddings, "_encoder", None)
    embeddings._query_vector.cache_clear()


@pytest.mark.usefixtures("no_model_loaded")
def test_a_model_file_with_another_checksum_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a pinned hash the installed file does not have, and no model loaded yet
    monkeypatch.setattr(embeddings, "MODEL_SHA256", "0" * 64)

    # when / then
    with pytest.raises(EmbeddingModelError, match="expected 0000"):
        embed_query("hello")


@pytest.mark.usefixtures("no_model_loaded")
def test_thread_count_must_be_a_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(embeddings.THREADS_ENV_VAR, "many")

    with pytest.raises(EmbeddingModelError, match=embeddings.THREADS_ENV_VAR):
        embed_query("hello")


def test_the_model_is_prepared_once_while_others_wait(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A second process finding the lock held waits, then finds the model made and does not
    make it again."""
    monkeypatch.setenv("LEGACY_VAR_DIR", str(tmp_path))
    builds: list[Path] = []
    monkeypatch.setattr(
        embeddings, "_int8_model_build", lambda source, target: builds.append(target)
    )
    versions = f"ort{ort.__version__}-onnx{onnx.__version__}"
    target = (
        tmp_path
        / "models"
        / (f"all-MiniLM-L6-v2-{embeddings.MODEL_SHA256[:12]}-int8-{versions}.onnx")
    )
    target.parent.mkdir()
    prepared: list[Path] = []
    asking = threading.Thread(target=lambda: prepared.append(embeddings.embedding_model_prepare()))
    # given another process holding the lock while it prepares the model
    with target.with_suffix(".lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        # when this one asks for the model meanwhile
        asking.start()
        asking.join(timeout=1)
        assert asking.is_alive()  # it waits
        target.write_bytes(b"made by the other process")
        fcntl.flock(held, fcntl.LOCK_UN)
    asking.join(timeout=10)
    # then it finds the model made, and made nothing itself
    assert prepared == [target]
    assert builds == []


def test_without_a_model_the_first_asks_builds_it_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LEGACY_VAR_DIR", str(tmp_path))
    builds: list[Path] = []

    def build(source: Path, target: Path) -> None:
        builds.append(target)
        target.write_bytes(b"model")

    monkeypatch.setattr(embeddings, "_int8_model_build", build)
    first = embeddings.embedding_model_prepare()
    assert embeddings.embedding_model_prepare() == first
    assert builds == [first]
