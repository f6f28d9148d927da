"""The classifier's word model (`reading.lexical`): its features, its pinned weights (a
changed file is refused), its share of the classifier's reading (with the neighbours' vote),
and text-speak read as the words it stands for."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from conversations.guardrails.detection import turn_assess
from conversations.guardrails.reading import classifier, lexical
from conversations.guardrails.reading.similarity import text_vector
from conversations.models import Concern


def test_features_are_unit_length_and_share_word_pieces() -> None:
    vectors = lexical.features(["saved up my tablets", "saved up my tabs", "the garden", ""])

    assert vectors.shape == (4, lexical.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0)
    assert not vectors[3].any()
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])


def test_the_word_model_learns_and_reads_words() -> None:
    texts = ["i want to die", "i miss you", "what is the pin", "i want it over"] * 5
    model = lexical.lexical_fit(
        texts, np.array([0, 4, 2, 0] * 5), classes=5, l2=0.0001, steps=200, rate=0.05
    )

    read = model.probabilities(["i want to die tonight", "i miss you mum"])

    assert read.shape == (2, 5)
    assert read[0].argmax() == 0
    assert read[1].argmax() == 4
    assert np.allclose(read.sum(axis=1), 1.0)


def test_the_word_weights_load_and_are_the_pinned_ones() -> None:
    digest = hashlib.sha256(classifier.LEXICAL.read_bytes()).hexdigest()
    model = classifier.lexical_model()

    assert digest == classifier.LEXICAL_SHA256
    assert model.weights.shape == (lexical.DIMENSIONS, len(classifier.CLASSES))


def test_changed_word_weights_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    changed = bytearray(classifier.LEXICAL.read_bytes())
    changed[-1] ^= 1
    (tmp_path / "lexical.npy").write_bytes(bytes(changed))
    monkeypatch.setattr(classifier, "LEXICAL", tmp_path / "lexical.npy")
    monkeypatch.setattr(classifier, "_lexical", None)

    with pytest.raises(classifier.WeightsChanged):
        classifier.lexical_model()


def test_the_reading_mixes_the_models_by_their_shares() -> None:
    text = "i keep my pills in a jar now"
    vector = text_vector(text)
    network = classifier.model().probabilities(vector.reshape(1, -1))[0]
    words = classifier.lexical_model().probabilities([text])[0]
    voted = classifier.neighbours().probabilities(vector.reshape(1, -1))[0]

    kinds = classifier.kinds_read(text, vector)

    share, vote = classifier.LEXICAL_WEIGHT, classifier.NEIGHBOUR_WEIGHT
    assert 0 < share < 1
    assert 0 < vote < 1
    for kind in ("crisis", "warning"):
        i = classifier.CLASSES.index(kind)
        expected = (1 - vote) * ((1 - share) * network[i] + share * words[i]) + vote * voted[i]
        assert kinds.whole[kind] == pytest.approx(float(expected), abs=1e-5)
    for kind in ("fraud", "disclosure"):  # the network's alone
        i = classifier.CLASSES.index(kind)
        assert kinds.whole[kind] == pytest.approx(float(network[i]), abs=1e-5)


# Written for this test: text-speak the embedding model never learnt, spelled out first.
@pytest.mark.parametrize("text", ["gonna kms tn", "ngl wanna unalive myself rn"])
def test_text_speak_crisis_is_read_as_crisis(text: str) -> None:
    assert turn_assess(text=text).concern == Concern.CRISIS
