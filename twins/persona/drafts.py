"""A fact before it is stored: what the distillers (rules or a language model) hand the build.

The build turns each draft into a `PersonaFact`: text and detail encrypted, and its key the
memorial's keyed hash of the normalised statement, so the subject's review of "Tom is your
brother" finds the same fact in every later version that states it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

FACT_KEY_PURPOSE = "twins.persona.fact"

_NOT_WORD = re.compile(r"[^\w]+")


@dataclass
class FactDraft:
    kind: str  # a FactKind value
    text: str  # the statement, for the subject and the twin: "Tom is your brother"
    passage_ids: set[int]  # the passages that state it; never empty
    detail: dict[str, Any] = field(default_factory=dict)
    weight: float = 0.0  # how strongly the writing supports it (passages, documents)

    def merge(self, other: FactDraft) -> None:
        """The same fact found again (another batch, another passage): more support."""
        self.passage_ids |= other.passage_ids
        self.weight += other.weight
        for key, value in other.detail.items():
            self.detail.setdefault(key, value)


def fact_statement_normalise(kind: str, text: str) -> str:
    """What makes two statements the same fact: kind, and the words in lower case without
    punctuation or accents' variants."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return f"{kind}:{' '.join(_NOT_WORD.sub(' ', folded).split())}"


def drafts_merge(drafts: list[FactDraft]) -> list[FactDraft]:
    """One draft per normalised statement, its support summed, first seen first."""
    merged: dict[str, FactDraft] = {}
    for draft in drafts:
        key = fact_statement_normalise(draft.kind, draft.text)
        if key in merged:
            merged[key].merge(draft)
        else:
            merged[key] = FactDraft(
                kind=draft.kind,
                text=draft.text,
                passage_ids=set(draft.passage_ids),
                detail=dict(draft.detail),
                weight=draft.weight,
            )
    return list(merged.values())
