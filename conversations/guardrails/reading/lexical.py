"""The classifier's second reader: the words themselves. A linear model (softmax over
`classifier.CLASSES`) on hashed features of the normalised text: words, pairs of words and
the four-letter pieces of each word (so "tabs", "tablets" and a typo of them share
pieces). It reads what the embedding model blurs (a means, a typed-out "kill myself", a
negation next to a word) and misses what it reads (a new way of saying it); the classifier
averages the two (`classifier.LEXICAL_WEIGHT`).

Trained with the embedding network by `reading.train`; its weights are
`model/lexical.npy`, checked against `LEXICAL_SHA256` when they load. Reading a message
costs a few hundred hashes and one small product: well under a millisecond.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

DIMENSIONS = 4096
_WORD = re.compile(r"[a-z0-9']+")


def _hashed(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) % DIMENSIONS


def features(texts: Sequence[str]) -> np.ndarray:
    """Shape (len(texts), DIMENSIONS): each normalised text's words, word pairs and
    four-letter word pieces, hashed, present or not, scaled to unit length."""
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    for row, text in enumerate(texts):
        words = _WORD.findall(text)
        keys = {f"w:{word}" for word in words}
        keys.update(f"b:{first} {second}" for first, second in pairwise(words))
        for word in words:
            padded = f" {word} "
            keys.update(f"c:{padded[i : i + 4]}" for i in range(max(1, len(padded) - 3)))
        present = list({_hashed(key) for key in keys})
        if present:
            out[row, present] = 1.0 / np.sqrt(len(present))
    return out


@dataclass(frozen=True)
class Lexical:
    """The linear model: weights (DIMENSIONS, classes) and a bias (classes,)."""

    weights: np.ndarray
    bias: np.ndarray

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities of normalised texts, shape (len(texts), classes)."""
        logits = features(texts) @ self.weights + self.bias
        logits = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def flat(self) -> np.ndarray:
        """One float32 array for the file: the two sizes, the weights, the bias."""
        return np.concatenate(
            [np.array(self.weights.shape), self.weights.ravel(), self.bias]
        ).astype(np.float32)

    @classmethod
    def from_flat(cls, flat: np.ndarray) -> Lexical:
        dimensions, classes = (int(n) for n in flat[:2])
        size = dimensions * classes
        if dimensions != DIMENSIONS or len(flat) != 2 + size + classes:
            raise ValueError("the lexical weights do not have the expected shape")
        return cls(
            weights=flat[2 : 2 + size].reshape(dimensions, classes),
            bias=flat[2 + size :],
        )


def lexical_fit(
    texts: Sequence[str], labels: np.ndarray, *, classes: int, l2: float, steps: int, rate: float
) -> Lexical:
    """The linear model on normalised texts, classes weighted equally, L2 on the weights;
    full-batch Adam from zero (deterministic)."""
    x = features(texts)
    n = len(texts)
    y = np.zeros((n, classes), dtype=np.float32)
    y[np.arange(n), labels] = 1.0
    counts = np.maximum(y.sum(axis=0), 1.0)
    sample = (((1.0 / counts[labels]) * (n / classes))[:, None] / n).astype(np.float32)
    params = [np.zeros((DIMENSIONS, classes), np.float32), np.zeros(classes, np.float32)]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    for step in range(1, steps + 1):
        logits = x @ params[0] + params[1]
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - y) * sample
        grads = [x.T @ g + l2 * params[0], g.sum(0)]
        for i, grad in enumerate(grads):
            first[i] = 0.9 * first[i] + 0.1 * grad
            second[i] = 0.999 * second[i] + 0.001 * grad * grad
            corrected = first[i] / (1 - 0.9**step)
            params[i] -= rate * corrected / (np.sqrt(second[i] / (1 - 0.999**step)) + 1e-8)
    return Lexical(weights=params[0], bias=params[1])
