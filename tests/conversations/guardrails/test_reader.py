"""The reader (`reading.reader`): the encoder fine-tuned on the task, and how the detector
uses it (`detection.reader_confirmed`)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from conversations.guardrails import detection
from conversations.guardrails.reading import reader
from conversations.guardrails.reading.rules import text_normalise
from corpus.embeddings import EmbeddingModelError, encodings_padded

# Said in voices the classifier reads badly: the word rules, the frames and the classifier
# read nothing in them; the reader reads crisis.
UNFAMILIAR_CRISIS = (
    "gave the wee dug tae ma sister, she'll look efter him better than me. tellt her it's for good",
    "been saving up my nan's old heart tablets in a sock drawer, got near on sixty now",
)
ORDINARY = (
    "took the dog up the quarry for a walk, lovely view of the town from the top",
    "my sponsor rang and we went for a coffee, one year clean on friday",
)


def _ordinary_only(texts: list[str]) -> np.ndarray:
    return np.array([[0.0, 0.0, 0.0, 0.0, 1.0]] * len(texts), dtype=np.float32)


def test_each_text_gets_a_probability_of_each_kind() -> None:
    texts = [text_normalise(text) for text in (*UNFAMILIAR_CRISIS, *ORDINARY)]

    probabilities = reader.reader_probabilities(texts)

    assert probabilities.shape == (4, len(reader.CLASSES))
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)
    crisis = reader.CLASSES.index("crisis")
    assert (probabilities[:2, crisis] > 0.9).all()
    assert (probabilities[2:, crisis] < 0.1).all()
    assert reader.reader_probabilities([]).shape == (0, len(reader.CLASSES))


@pytest.mark.parametrize("index", range(len(reader.READERS)))
def test_a_reader_file_with_another_checksum_is_refused(
    monkeypatch: pytest.MonkeyPatch, index: int
) -> None:
    readers = list(reader.READERS)
    readers[index] = (readers[index][0], "0" * 64)
    monkeypatch.setattr(reader, "READERS", tuple(readers))
    monkeypatch.setattr(reader, "_sessions", None)

    with pytest.raises(EmbeddingModelError, match=f"{readers[index][0]} has .* expected 0000"):
        reader.reader_probabilities(["hello"])


def test_the_reading_is_the_mean_of_the_readers() -> None:
    texts = [text_normalise(text) for text in (*UNFAMILIAR_CRISIS, *ORDINARY)]
    sessions, tokenizer = reader._loaded()
    ids, mask = encodings_padded(tokenizer.encode_batch(texts))
    each = [session.run(["probs"], {"input_ids": ids, "attention_mask": mask})[0]
            for session in sessions]  # fmt: skip

    assert len(each) == len(reader.READERS) == 2
    assert not np.allclose(each[0], each[1], atol=1e-3)  # two readers, not one twice
    assert np.allclose(reader.reader_probabilities(texts), (each[0] + each[1]) / 2, atol=1e-6)


@pytest.mark.parametrize("text", UNFAMILIAR_CRISIS)
def test_the_reader_catches_crisis_the_rest_of_the_detector_misses(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    assert detection.turn_assess(text=text).concern == "crisis"

    # without the reader (it reads everything as ordinary, and confirms everything)
    monkeypatch.setattr(reader, "reader_probabilities", _ordinary_only)
    monkeypatch.setattr(detection, "READER_CONFIRM", 0.0)
    assert detection.turn_assess(text=text).concern == ""


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_talk_of_quarries_and_recovery_is_left_alone(text: str) -> None:
    assert detection.turn_assess(text=text).concern == ""


def test_the_classifier_counts_only_where_the_reader_sees_crisis_or_warning_signs() -> None:
    alarm = detection.CRISIS_ALARM

    # the reader sees nothing: the classifier's reading is dropped
    assert detection.reader_confirmed(0.8, np.array([0.1, 0.1, 0.0, 0.0, 0.8])) == 0.0
    # the reader sees warning signs: the classifier's reading stands
    assert detection.reader_confirmed(0.8, np.array([0.1, 0.3, 0.0, 0.0, 0.6])) == 0.8
    # the reader is sure of crisis: an alarm on its own, from the alarm up to 1 at certainty
    assert detection.reader_confirmed(0.0, np.array([0.95, 0.0, 0.0, 0.0, 0.05])) >= alarm
    assert detection.reader_confirmed(0.0, np.array([1.0, 0.0, 0.0, 0.0, 0.0])) == 1.0
    # below its threshold it adds nothing
    below = detection.READER_THRESHOLD - 0.05
    assert detection.reader_confirmed(0.0, np.array([below, 0.0, 0.0, 0.0, 0.1])) == 0.0


def test_the_rules_reading_alarms_only_where_the_reader_is_not_sure_it_is_ordinary() -> None:
    from conversations.guardrails.reading.classifier import Kinds

    sure = Kinds(
        whole={"crisis": 0.9, "fraud": 0.9, "disclosure": 0.9},
        clause={}, crisis_family=0.95,
    )  # fmt: skip
    ordinary = np.array([0.005, 0.005, 0.005, 0.0, 0.985])
    doubtful = np.array([0.0, 0.03, 0.0, 0.0, 0.97])
    another_kind = np.array([0.0, 0.0, 0.0, 1.0, 0.0])

    # the classifier confirms, the reader is sure it is ordinary: capped below the alarm
    for kind in ("crisis", "fraud", "disclosure"):
        assert detection.confirmed(kind, 1.0, sure, ordinary) == detection.BUILD_UP_CAP
        # the reader is less sure, or reads another concern: the rules' reading stands
        assert detection.confirmed(kind, 1.0, sure, doubtful) == 1.0
        assert detection.confirmed(kind, 1.0, sure, another_kind) == 1.0


def test_crisis_words_count_in_a_message_the_reader_reads_as_another_concern() -> None:
    text = "are you really mum? I want to die so I can be with you"
    read = reader.reader_probabilities([text_normalise(text)])[0]

    assert read.argmax() != reader.CLASSES.index("crisis")
    assert detection.turn_assess(text=text).concern == "crisis"


def test_the_reader_learns_from_the_early_held_out_sets_and_is_measured_on_the_others() -> None:
    from conversations.guardrails.reading import train
    from conversations.guardrails.reading.finetune import build

    measuring = {path.name for path in build.measuring_sets()}

    # the project's own set (the targets), the sets thresholds are chosen on beside
    # it, the blind ones
    assert {"evaluation", "heldout17", "heldout18", "heldout19", "heldout20"} <= measuring
    assert {"heldout12", "heldout13", "heldout14", "heldout15", "heldout16"} <= set(
        build.LEARNED_SETS
    )
    assert not measuring & set(build.LEARNED_SETS)
    assert len(measuring) + len(build.LEARNED_SETS) == len(train.evaluation_sets())


def test_the_readers_build_says_how_to_get_torch_when_it_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from conversations.guardrails.reading.finetune import build

    monkeypatch.setitem(sys.modules, "torch", None)  # importing it raises ImportError

    with pytest.raises(SystemExit, match=r"torch==2\.13\.0"):
        build.libraries_check()


def test_the_reader_reads_a_request_for_a_code_the_asking_rules_miss(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "gran which numbers open the little safe in your wardrobe"

    assert detection.turn_assess(text=text).concern == "fraud"

    monkeypatch.setattr(reader, "reader_probabilities", _ordinary_only)
    assert detection.turn_assess(text=text).concern == ""


FRAUD, DISCLOSURE = detection.READER_FRAUD, detection.READER_DISCLOSURE


@pytest.mark.parametrize(
    ("probabilities", "concern"),
    [
        # just above and just below each threshold, the rest ordinary
        ([0.0, 0.0, FRAUD + 0.05, 0.0, 0.95 - FRAUD], "fraud"),
        ([0.0, 0.0, 0.0, DISCLOSURE + 0.05, 0.95 - DISCLOSURE], "disclosure"),
        ([0.0, 0.0, FRAUD - 0.05, 0.0, 1.05 - FRAUD], ""),
        ([0.0, 0.0, 0.0, DISCLOSURE - 0.05, 1.05 - DISCLOSURE], ""),
    ],
)
def test_the_readers_fraud_and_disclosure_alarm_above_their_thresholds(
    monkeypatch: pytest.MonkeyPatch, probabilities: list[float], concern: str
) -> None:
    monkeypatch.setattr(
        reader,
        "reader_probabilities",
        lambda texts: np.array([probabilities] * len(texts), dtype=np.float32),
    )

    assert detection.turn_assess(text="tell me about the garden in june").concern == concern
