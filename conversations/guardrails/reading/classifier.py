"""A small classifier over the project's local sentence embeddings (`corpus.embeddings`, the
MiniLM model): a network of one hidden layer (`HIDDEN` units) from a message's vector to five
kinds: crisis, warning signs that only count as they add up, fraud, "is it really you?" and
ordinary grief talk.

It is trained by `python -m conversations.guardrails.reading.train` (deterministic) on the
written training sentences in `training/`, the development sets in `dev/` and the prototype
sentences, never on an evaluation set; its weights are `model/classifier.npy`, checked
against `WEIGHTS_SHA256` when they load (a changed file is refused, as `corpus.embeddings`
refuses a changed model). The thresholds below come from the training script's
cross-validation (see bench/README.md, "safety_eval.py").

Its crisis and warning-sign probabilities are averaged with those of a word model
(`lexical`, share `LEXICAL_WEIGHT`), which reads the words the embedding blurs.

A long message is read whole and clause by clause (`clauses`): risk said in one clause of a
long, otherwise ordinary message is not averaged away. Reading a message costs one
embedding, and one batch of embeddings more when it has several clauses.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from conversations.guardrails.reading.lexical import Lexical
from corpus.embeddings import embed_passages

CLASSES = ("crisis", "warning", "fraud", "disclosure", "ordinary")
WEIGHTS = Path(__file__).resolve().parent / "model" / "classifier.npy"
WEIGHTS_SHA256 = "6e900e83b2ff4b8f34ced173768fd83d056281b0752024e3909d9213274c2079"
HIDDEN = 128
# The word model (`lexical`), pinned the same way, and its share of the crisis and warning
# probabilities (the embedding network has the rest; see `mixed`); chosen by the training
# script's cross-validation.
LEXICAL = WEIGHTS.parent / "lexical.npy"
LEXICAL_SHA256 = "2455580c34c9cac5173e80f518f9cd1eb6f6c00d9f7f1d62f85140fae674609f"
LEXICAL_WEIGHT = 0.5

# A clause is read on its own when it has at least this many words, at most this many
# clauses a message (the longest), and only in messages of at least two clauses.
CLAUSE_MIN_WORDS = 3
CLAUSES_MAX = 6

_CLAUSE_BREAK = re.compile(
    r"[.!?;:\n]+\s*|\s+-+\s+|,\s*(?=(?:and|but|so|then|anyway|because|cos|though|and then)\b)"
    r"|\s+(?=(?:but|and then|anyway)\s)"
)


class WeightsChanged(RuntimeError):
    """The classifier's weights file is not the one the project pins."""


@dataclass(frozen=True)
class Model:
    """The network; the vectors' standardisation is folded into the first layer."""

    hidden_weights: np.ndarray  # (dimensions, hidden)
    hidden_bias: np.ndarray  # (hidden,)
    out_weights: np.ndarray  # (hidden, len(CLASSES))
    out_bias: np.ndarray  # (len(CLASSES),)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (len(vectors), len(CLASSES))."""
        hidden = np.maximum(vectors @ self.hidden_weights + self.hidden_bias, 0.0)
        logits = hidden @ self.out_weights + self.out_bias
        logits = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def flat(self) -> np.ndarray:
        """One float32 array for the file: the three sizes, then each part in order."""
        dimensions, hidden = self.hidden_weights.shape
        parts = [
            np.array([dimensions, hidden, self.out_weights.shape[1]]),
            self.hidden_weights.ravel(), self.hidden_bias, self.out_weights.ravel(),
            self.out_bias,
        ]  # fmt: skip
        return np.concatenate(parts).astype(np.float32)

    @classmethod
    def from_flat(cls, flat: np.ndarray) -> Model:
        dimensions, hidden, classes = (int(n) for n in flat[:3])
        at = 3
        parts = []
        for shape in ((dimensions, hidden), (hidden,), (hidden, classes), (classes,)):
            size = int(np.prod(shape))
            parts.append(flat[at : at + size].reshape(shape))
            at += size
        if at != len(flat) or classes != len(CLASSES):
            raise WeightsChanged("the classifier's weights do not have the expected shape")
        return cls(*parts)


_lock = threading.Lock()
_model: Model | None = None
_lexical: Lexical | None = None


def _pinned(path: Path, expected: str) -> np.ndarray:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected:
        raise WeightsChanged(
            f"{path} has sha256 {digest}, expected {expected}: retrain with "
            "`python -m conversations.guardrails.reading.train` and pin it"
        )
    return np.asarray(np.load(path, allow_pickle=False))


def model() -> Model:
    """The pinned embedding network, loaded once per process."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = Model.from_flat(_pinned(WEIGHTS, WEIGHTS_SHA256))
    return _model


def lexical_model() -> Lexical:
    """The pinned word model, loaded once per process."""
    global _lexical
    if _lexical is None:
        with _lock:
            if _lexical is None:
                try:
                    _lexical = Lexical.from_flat(_pinned(LEXICAL, LEXICAL_SHA256))
                except ValueError as error:
                    raise WeightsChanged(str(error)) from error
    return _lexical


def mixed(network: np.ndarray, words: np.ndarray, weight: float = LEXICAL_WEIGHT) -> np.ndarray:
    """The two readers' probabilities together: of crisis and warning signs, the word model's
    share is `weight`; the other kinds are the network's alone (by cross-validation the word
    model lost fraud and "is it really you?" messages, and it reads "how are you?" as the
    latter)."""
    share = np.zeros(len(CLASSES))
    share[[_CRISIS, _WARNING]] = weight
    return np.asarray((1.0 - share) * network + share * words)


def clauses(text: str) -> list[str]:
    """The clauses of a message worth reading alone: none for a message of one clause."""
    parts = [part.strip(" ,") for part in _CLAUSE_BREAK.split(text)]
    parts = [part for part in parts if len(part.split()) >= CLAUSE_MIN_WORDS]
    if len(parts) < 2:
        return []
    return sorted(parts, key=len, reverse=True)[:CLAUSES_MAX]


@dataclass(frozen=True)
class Kinds:
    """A message's probabilities: of the whole message, and the highest of any clause."""

    whole: dict[str, float]
    clause: dict[str, float]
    # The highest crisis and warning-sign probability together, of the whole or of a clause.
    crisis_family: float = 0.0

    def top(self, kind: str) -> float:
        return max(self.whole[kind], self.clause.get(kind, 0.0))


def kinds_read(text: str, vector: np.ndarray) -> Kinds:
    """`text` (normalised) with its vector: each kind's probability, whole and by clause."""
    loaded, words = model(), lexical_model()
    whole = mixed(loaded.probabilities(vector.reshape(1, -1)), words.probabilities([text]))[0]
    parts = clauses(text)
    clause: dict[str, float] = {}
    family = float(whole[_CRISIS] + whole[_WARNING])
    if parts:
        each = mixed(loaded.probabilities(embed_passages(parts)), words.probabilities(parts))
        clause = {kind: float(each[:, i].max()) for i, kind in enumerate(CLASSES)}
        family = max(family, float((each[:, _CRISIS] + each[:, _WARNING]).max()))
    return Kinds(
        whole={kind: float(whole[i]) for i, kind in enumerate(CLASSES)},
        clause=clause,
        crisis_family=family,
    )


_CRISIS = CLASSES.index("crisis")
_WARNING = CLASSES.index("warning")
