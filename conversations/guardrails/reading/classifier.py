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

from corpus.embeddings import embed_passages

CLASSES = ("crisis", "warning", "fraud", "disclosure", "ordinary")
WEIGHTS = Path(__file__).resolve().parent / "model" / "classifier.npy"
WEIGHTS_SHA256 = "17a7139d5d18dff69aefaf89b6aa217e4b2d37925bdb6eb4f3a07b943d938e99"
HIDDEN = 128

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


def model() -> Model:
    """The pinned model, loaded once per process."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                data = WEIGHTS.read_bytes()
                digest = hashlib.sha256(data).hexdigest()
                if digest != WEIGHTS_SHA256:
                    raise WeightsChanged(
                        f"{WEIGHTS} has sha256 {digest}, expected {WEIGHTS_SHA256}: retrain "
                        "with `python -m conversations.guardrails.reading.train` and pin it"
                    )
                _model = Model.from_flat(np.load(WEIGHTS, allow_pickle=False))
    return _model


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
    loaded = model()
    whole = loaded.probabilities(vector.reshape(1, -1))[0]
    parts = clauses(text)
    clause: dict[str, float] = {}
    family = float(whole[_CRISIS] + whole[_WARNING])
    if parts:
        each = loaded.probabilities(embed_passages(parts))
        clause = {kind: float(each[:, i].max()) for i, kind in enumerate(CLASSES)}
        family = max(family, float((each[:, _CRISIS] + each[:, _WARNING]).max()))
    return Kinds(
        whole={kind: float(whole[i]) for i, kind in enumerate(CLASSES)},
        clause=clause,
        crisis_family=family,
    )


_CRISIS = CLASSES.index("crisis")
_WARNING = CLASSES.index("warning")
