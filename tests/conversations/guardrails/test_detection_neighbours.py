"""The classifier's nearest-neighbour vote (`reading.classifier.Neighbours`): the vote of the
nearest training sentences, the pinned file (a changed file is refused), and a crisis said in
words close to a training sentence read as crisis through `turn_assess`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from conversations.guardrails.reading import classifier


def _unit(rows: list[list[float]]) -> np.ndarray:
    vectors = np.array(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_the_nearest_sentences_vote_by_closeness() -> None:
    near = classifier.Neighbours(
        vectors=_unit([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0.9, 0.1], [0, 0, 1]]),
        kinds=np.array([0, 0, 4, 4, 2]),
    )

    read = near.probabilities(_unit([[1, 0.05, 0], [0.05, 1, 0]]), k=3, temperature=0.05)

    assert read.shape == (2, len(classifier.CLASSES))
    assert np.allclose(read.sum(axis=1), 1.0)
    assert read[0].argmax() == 0
    assert read[1].argmax() == 4
    # a far sentence's vote counts for almost nothing
    assert read[0][4] < 0.01


def test_the_flat_file_keeps_vectors_and_kinds() -> None:
    near = classifier.Neighbours(vectors=_unit([[1, 2, 3], [3, 2, 1]]), kinds=np.array([1, 3]))

    again = classifier.Neighbours.from_flat(near.flat())

    assert again.kinds.tolist() == [1, 3]
    assert np.allclose(again.vectors, near.vectors, atol=1e-3)


def test_the_neighbours_load_and_are_the_pinned_ones() -> None:
    digest = hashlib.sha256(classifier.NEIGHBOURS.read_bytes()).hexdigest()
    near = classifier.neighbours()

    assert digest == classifier.NEIGHBOURS_SHA256
    assert near.vectors.shape[1] == 384
    assert len(near.vectors) > 3000
    assert set(near.kinds.tolist()) == set(range(len(classifier.CLASSES)))


def test_a_changed_neighbours_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = bytearray(classifier.NEIGHBOURS.read_bytes())
    changed[-1] ^= 1
    (tmp_path / "neighbours.npy").write_bytes(bytes(changed))
    monkeypatch.setattr(classifier, "NEIGHBOURS", tmp_path / "neighbours.npy")
    monkeypatch.setattr(classifier, "_neighbours", None)

    with pytest.raises(classifier.WeightsChanged):
        classifier.neighbours()
