"""A memory before it is stored, its normalised form (what its `memory_key` hashes) and the
test for a near-duplicate of one already known."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from twins.providers.offline import content_words

MEMORY_KEY_PURPOSE = "visitor-memory"
MAX_MEMORY_CHARS = 300
# Two statements sharing this share of their content words say the same thing...
NEAR_WORDS = 0.75
# ...as do two whose embeddings are this close (the local model, unit vectors).
NEAR_COSINE = 0.92
# Unless they are dated this far apart: "my son was sick" in March and again in May are two
# things that happened.
SAME_EVENT_DAYS = 14

_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")


@dataclass(frozen=True)
class MemoryDraft:
    text: str  # in the visitor's own terms, first person: "My son was sick last week."
    about_date: date | None = None
    about_precision: str = "day"  # how precisely the words placed it: day, week, month, year


@dataclass(frozen=True)
class KnownMemory:
    text: str
    about_date: date | None
    vector: np.ndarray | None


def memory_text_clean(text: str) -> str:
    """One line, capitalised, ending with a full stop, at most MAX_MEMORY_CHARS."""
    text = _SPACES.sub(" ", text).strip().strip("\"'“”")
    if not text:
        return ""
    text = text[:MAX_MEMORY_CHARS].rstrip()
    text = text[0].upper() + text[1:]
    if text[-1] not in ".!":
        text += "."
    return text


def memory_normalise(text: str) -> str:
    """What two wordings of the same statement share: case, spacing and edge punctuation
    do not count."""
    return _EDGE_PUNCTUATION.sub("", _SPACES.sub(" ", text.casefold()).strip())


def _dated_apart(first: date | None, second: date | None) -> bool:
    return first is not None and second is not None and abs((first - second).days) > SAME_EVENT_DAYS


def memory_is_near(draft: MemoryDraft, vector: np.ndarray | None, known: KnownMemory) -> bool:
    """Does `draft` say again what `known` already holds?"""
    if _dated_apart(draft.about_date, known.about_date):
        return False
    if memory_normalise(draft.text) == memory_normalise(known.text):
        return True
    words, known_words = content_words(draft.text), content_words(known.text)
    shared = len(words & known_words) / len(words | known_words) if words and known_words else 0
    if shared >= NEAR_WORDS:
        return True
    if vector is not None and known.vector is not None:
        return float(np.dot(vector, known.vector)) >= NEAR_COSINE
    return False
