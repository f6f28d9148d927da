"""Reading a message by meaning: how close it is to each kind's prototype sentences
(`prototypes`) against how close it is to ordinary grief talk, with the project's own local
embedding model (`corpus.embeddings`, no network).

For each kind the figure is a margin: the mean cosine of the message with its `NEIGHBOURS`
nearest sentences of that kind, minus the same with the closest rival kind (ordinary grief
talk, or another concern: a request for money is not read as a crisis). A message near
both (a sad message with a crisis word in it) gets a small margin; a paraphrase of a warning
sign with no trigger word gets a large one.

A second figure reads crisis as a direction: a ridge regression (`RIDGE`) of the prototypes'
vectors, crisis against ordinary talk, fraud and disclosure, so a message far from every crisis
sentence but on their side of ordinary talk still counts. The prototype vectors and the
direction are made once per process (about a second).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from conversations.guardrails.reading import prototypes
from corpus.embeddings import embed_passages, embed_query

NEIGHBOURS = 2
RIDGE = 1.0
KINDS = ("crisis", "build_up", "fraud", "disclosure")


@dataclass(frozen=True)
class Closeness:
    """Per kind: the mean cosine with its nearest prototypes, and the margin over its rivals."""

    near: dict[str, float]
    margin: dict[str, float]
    ordinary: float
    crisis_side: float = 0.0  # the ridge regression's output: about 1 crisis, -1 the rest


@dataclass(frozen=True)
class _Prototypes:
    vectors: dict[str, np.ndarray]
    centre: np.ndarray
    direction: np.ndarray
    offset: float


_lock = threading.Lock()
_loaded: _Prototypes | None = None


def _prototypes() -> _Prototypes:
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                sets = {
                    "crisis": prototypes.CRISIS,
                    "build_up": prototypes.BUILD_UP,
                    "fraud": prototypes.FRAUD,
                    "disclosure": prototypes.DISCLOSURE,
                    "ordinary": prototypes.ORDINARY,
                }
                texts = [text for kind in sets.values() for text in kind]
                vectors = embed_passages(texts)
                split, start = {}, 0
                for name, kind in sets.items():
                    split[name] = vectors[start : start + len(kind)]
                    start += len(kind)
                _loaded = _ridge(split)
    return _loaded


def _ridge(split: dict[str, np.ndarray]) -> _Prototypes:
    """The prototypes, with the crisis direction fitted on them (closed form)."""
    # Warning signs are left out: they are what sad talk and crisis share, and the direction
    # is for what sets crisis apart.
    kinds = {kind: v for kind, v in split.items() if kind != "build_up"}
    vectors = np.concatenate(list(kinds.values())).astype(np.float64)
    labels = np.concatenate(
        [np.full(len(v), 1.0 if kind == "crisis" else -1.0) for kind, v in kinds.items()]
    )
    centre = vectors.mean(axis=0)
    centred = vectors - centre
    gram = centred.T @ centred + RIDGE * np.eye(centred.shape[1])
    direction = np.linalg.solve(gram, centred.T @ (labels - labels.mean()))
    return _Prototypes(
        vectors=split, centre=centre, direction=direction, offset=float(labels.mean())
    )


@lru_cache(maxsize=256)
def text_vector(text: str) -> np.ndarray:
    """The message's vector (cached: the topic check and the detector read the same text)."""
    return embed_query(text)


def _near(vectors: np.ndarray, query: np.ndarray) -> float:
    cosines = vectors @ query
    top = np.sort(cosines)[-NEIGHBOURS:]
    return float(top.mean())


# The kinds a kind's margin is taken against: crisis and warning signs are one family, so
# neither is measured against the other.
_RIVALS = {
    "crisis": ("ordinary", "fraud", "disclosure"),
    "build_up": ("ordinary", "fraud", "disclosure"),
    "fraud": ("ordinary", "crisis", "build_up", "disclosure"),
    "disclosure": ("ordinary", "crisis", "build_up", "fraud"),
}


def closeness(vector: np.ndarray) -> Closeness:
    loaded = _prototypes()
    near = {kind: _near(vectors, vector) for kind, vectors in loaded.vectors.items()}
    return Closeness(
        near={kind: near[kind] for kind in KINDS},
        margin={kind: near[kind] - max(near[rival] for rival in _RIVALS[kind]) for kind in KINDS},
        ordinary=near["ordinary"],
        crisis_side=float((vector - loaded.centre) @ loaded.direction + loaded.offset),
    )
