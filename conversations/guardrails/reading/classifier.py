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
(`lexical`, share `LEXICAL_WEIGHT`), which reads the words the embedding blurs, and then
with a vote of the message's nearest training sentences (`Neighbours`, share
`NEIGHBOUR_WEIGHT`): a new way of saying something the network smooths over is often close to
one written sentence of the same kind.

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
WEIGHTS_SHA256 = "935afd4270f3ce204c34cea6d3f73fcf86c047353ad065354ce2225ee13f4c58"
HIDDEN = 128
# The word model (`lexical`), pinned the same way, and its share of the crisis and warning
# probabilities (the embedding network has the rest; see `mixed`); chosen by the training
# script's cross-validation.
LEXICAL = WEIGHTS.parent / "lexical.npy"
LEXICAL_SHA256 = "fc3132f3f247ebd208c9d1ebb859ea9cdab94c88a402650c95c0afabc710cfac"
LEXICAL_WEIGHT = 0.5
# The nearest-neighbour vote (`Neighbours`): the training sentences' vectors (float16) and
# kinds, pinned the same way; the `NEIGHBOUR_K` nearest vote, each weighted by
# exp(cosine / `NEIGHBOUR_TEMPERATURE`); its share of the crisis and warning probabilities.
# Chosen by the training script's cross-validation, leaving out one training file at a time.
NEIGHBOURS = WEIGHTS.parent / "neighbours.npy"
NEIGHBOURS_SHA256 = "80acd87dc713d02efc3c5ee398f92b9c34fab6d7c91471b6a8b1c1bbcf36b60b"
NEIGHBOUR_K = 10
NEIGHBOUR_TEMPERATURE = 0.05
NEIGHBOUR_WEIGHT = 0.5

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


@dataclass(frozen=True)
class Neighbours:
    """The training sentences' unit vectors (n, dimensions) and kinds (n,), as indices of
    `CLASSES`."""

    vectors: np.ndarray
    kinds: np.ndarray

    def flat(self) -> np.ndarray:
        """One float16 array for the file: each sentence's vector, then its kind."""
        return np.hstack([self.vectors, self.kinds[:, None]]).astype(np.float16)

    @classmethod
    def from_flat(cls, flat: np.ndarray) -> Neighbours:
        if flat.ndim != 2 or flat.shape[1] < 2:
            raise WeightsChanged("the neighbours do not have the expected shape")
        return cls(vectors=flat[:, :-1].astype(np.float32), kinds=flat[:, -1].astype(np.int64))

    def probabilities(
        self, vectors: np.ndarray, k: int = NEIGHBOUR_K, temperature: float = NEIGHBOUR_TEMPERATURE
    ) -> np.ndarray:
        """Each kind's share of the weighted vote of the `k` nearest training sentences,
        shape (len(vectors), len(CLASSES))."""
        # one matrix-vector product a row: a matrix product of a few rows spreads over the
        # BLAS threads, which costs milliseconds on a busy machine
        rows = np.asarray(vectors, dtype=np.float32).reshape(-1, self.vectors.shape[1])
        cosines = np.stack([self.vectors @ row for row in rows])
        k = min(k, cosines.shape[1])
        nearest = np.argpartition(-cosines, k - 1, axis=1)[:, :k]
        near = np.take_along_axis(cosines, nearest, axis=1)
        votes = np.exp((near - near.max(axis=1, keepdims=True)) / temperature)
        kinds = self.kinds[nearest]
        out = np.stack([(votes * (kinds == i)).sum(axis=1) for i in range(len(CLASSES))], 1)
        return np.asarray(out / votes.sum(axis=1, keepdims=True))


_lock = threading.Lock()
_model: Model | None = None
_lexical: Lexical | None = None
_neighbours: Neighbours | None = None


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


def neighbours() -> Neighbours:
    """The pinned training sentences' vectors and kinds, loaded once per process."""
    global _neighbours
    if _neighbours is None:
        with _lock:
            if _neighbours is None:
                digest = hashlib.sha256(NEIGHBOURS.read_bytes()).hexdigest()
                if digest != NEIGHBOURS_SHA256:
                    raise WeightsChanged(
                        f"{NEIGHBOURS} has sha256 {digest}, expected {NEIGHBOURS_SHA256}: "
                        "retrain with `python -m conversations.guardrails.reading.train`"
                    )
                _neighbours = Neighbours.from_flat(np.load(NEIGHBOURS, allow_pickle=False))
    return _neighbours


def mixed(
    network: np.ndarray,
    words: np.ndarray,
    weight: float = LEXICAL_WEIGHT,
    voted: np.ndarray | None = None,
    vote_weight: float = NEIGHBOUR_WEIGHT,
) -> np.ndarray:
    """The readers' probabilities together: of crisis and warning signs, the word model's
    share is `weight`, and that mix is averaged with the neighbours' vote (`voted`, share
    `vote_weight`); the other kinds are the network's alone (by cross-validation the word
    model lost fraud and "is it really you?" messages, and it reads "how are you?" as the
    latter)."""
    share = np.zeros(len(CLASSES))
    share[[_CRISIS, _WARNING]] = weight
    out = (1.0 - share) * network + share * words
    if voted is not None:
        share[[_CRISIS, _WARNING]] = vote_weight
        out = (1.0 - share) * out + share * voted
    return np.asarray(out)


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
    # The highest crisis and warning-sign probability together, of the whole or of a clause,
    # without the neighbours' vote (it confirms the word rules, `detection.CONFIRM`: the
    # nearest sentences share a rule's topic words, "an article about overdose deaths for my
    # nursing course" is near written overdoses, so the vote cannot confirm them).
    crisis_family: float = 0.0
    # The crisis and warning-sign probability of the whole message without the neighbours'
    # vote (what `detection.WARNING_RANGE` was calibrated on: with the vote, sad talk near a
    # written warning sign added up over the development set's ordinary conversations).
    warning_mass: float = 0.0

    def top(self, kind: str) -> float:
        return max(self.whole[kind], self.clause.get(kind, 0.0))


def kinds_read(text: str, vector: np.ndarray) -> Kinds:
    """`text` (normalised) with its vector: each kind's probability, whole and by clause."""
    loaded, words, near = model(), lexical_model(), neighbours()
    row = vector.reshape(1, -1)
    unvoted = mixed(loaded.probabilities(row), words.probabilities([text]))
    whole = mixed(unvoted, unvoted, 0.0, voted=near.probabilities(row))[0]
    parts = clauses(text)
    clause: dict[str, float] = {}
    family = float(unvoted[0, _CRISIS] + unvoted[0, _WARNING])
    if parts:
        vectors = embed_passages(parts)
        plain = mixed(loaded.probabilities(vectors), words.probabilities(parts))
        each = mixed(plain, plain, 0.0, voted=near.probabilities(vectors))
        clause = {kind: float(each[:, i].max()) for i, kind in enumerate(CLASSES)}
        family = max(family, float((plain[:, _CRISIS] + plain[:, _WARNING]).max()))
    return Kinds(
        whole={kind: float(whole[i]) for i, kind in enumerate(CLASSES)},
        clause=clause,
        crisis_family=family,
        warning_mass=float(unvoted[0, _CRISIS] + unvoted[0, _WARNING]),
    )


_CRISIS = CLASSES.index("crisis")
_WARNING = CLASSES.index("warning")
