"""Reads of the persona pack: a version's facts as the subject reviewed them, with the
passages they came from; its exemplars; and the whole pack for the subject's export."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from core.crypto import MemorialCipher, memorial_cipher
from corpus.records import PassageRecord
from corpus.writing import passages_by_id
from twins.models import Exemplar, FactKind, FactReview, PersonaFact, Twin, TwinVersion
from twins.selectors import twin_serving

SOURCES_SHOWN = 5  # passages shown under a fact; the rest are counted
KIND_ORDER: list[str] = [
    FactKind.PERSON,
    FactKind.PLACE,
    FactKind.DATE,
    FactKind.WORK,
    FactKind.VALUE,
    FactKind.OPINION,
    FactKind.STORY,
]
KIND_HEADINGS: dict[str, str] = {
    FactKind.PERSON: "People in your life",
    FactKind.PLACE: "Places",
    FactKind.DATE: "Dates in your life",
    FactKind.WORK: "Your work",
    FactKind.VALUE: "What you value",
    FactKind.OPINION: "Your opinions, likes and dislikes",
    FactKind.STORY: "Stories you tell",
}


@dataclass
class ReviewedFact:
    """A fact of a version with the subject's decision on it applied."""

    id: int
    kind: str
    origin: str
    text: str  # as distilled
    detail: dict[str, Any]
    weight: float
    fact_key: str
    source_passage_ids: list[int]
    decision: str = ""  # "", or a FactReview.Decision
    corrected: str = ""  # the subject's own words, when corrected
    sources: list[PassageRecord] = field(default_factory=list)  # the first few, when asked

    @property
    def statement(self) -> str:
        """What the twin is told: the subject's words when they corrected it."""
        return self.corrected if self.decision == FactReview.Decision.CORRECTED else self.text

    @property
    def sources_more(self) -> int:
        return max(0, len(self.source_passage_ids) - len(self.sources))


@dataclass
class FactGroup:
    kind: str
    heading: str
    facts: list[ReviewedFact]


def persona_facts_reviewed(
    *, version: TwinVersion, cipher: MemorialCipher | None = None
) -> list[ReviewedFact]:
    """Every fact of the version, decrypted, with the twin's reviews applied (by key)."""
    cipher = cipher or memorial_cipher(memorial_id=version.twin.memorial_id)
    reviews = {
        review.fact_key: review for review in FactReview.objects.filter(twin_id=version.twin_id)
    }
    facts: list[ReviewedFact] = []
    for row in PersonaFact.objects.filter(version=version).order_by("kind", "-weight", "id"):
        review = reviews.get(row.fact_key)
        corrected = ""
        if review is not None and review.decision == FactReview.Decision.CORRECTED:
            corrected = cipher.decrypt_text(review.corrected_encrypted)
        facts.append(
            ReviewedFact(
                id=row.id,
                kind=row.kind,
                origin=row.origin,
                text=cipher.decrypt_text(row.text_encrypted),
                detail=json.loads(cipher.decrypt_text(row.detail_encrypted) or "{}"),
                weight=row.weight,
                fact_key=row.fact_key,
                source_passage_ids=list(row.source_passage_ids),
                decision=review.decision if review is not None else "",
                corrected=corrected,
            )
        )
    return facts


def persona_review_page(*, memorial_id: uuid.UUID) -> dict[str, Any]:
    """What the review page shows: the serving version, its facts grouped by kind (kept
    ones) with their first passages, and the facts the subject deleted."""
    version = twin_serving(memorial_id=memorial_id)
    if version is None:
        return {"version": None, "groups": [], "deleted": [], "facts_count": 0}
    facts = persona_facts_reviewed(version=version)
    shown_ids = {pid for fact in facts for pid in fact.source_passage_ids[:SOURCES_SHOWN]}
    passages = passages_by_id(memorial_id=memorial_id, passage_ids=shown_ids)
    for fact in facts:
        fact.sources = [
            passages[pid] for pid in fact.source_passage_ids[:SOURCES_SHOWN] if pid in passages
        ]
    kept = [fact for fact in facts if fact.decision != FactReview.Decision.DELETED]
    by_kind: dict[str, list[ReviewedFact]] = defaultdict(list)
    for fact in kept:
        by_kind[fact.kind].append(fact)
    groups = [
        FactGroup(kind=kind, heading=KIND_HEADINGS[kind], facts=by_kind[kind])
        for kind in KIND_ORDER
        if by_kind.get(kind)
    ]
    return {
        "version": version,
        "groups": groups,
        "deleted": [fact for fact in facts if fact.decision == FactReview.Decision.DELETED],
        "facts_count": len(facts),
        "reviewed_count": sum(1 for fact in facts if fact.decision),
    }


def persona_fact_get(*, memorial_id: uuid.UUID, fact_id: int) -> PersonaFact | None:
    """A fact of this memorial's serving version (the only one the subject reviews)."""
    version = twin_serving(memorial_id=memorial_id)
    if version is None:
        return None
    return (
        PersonaFact.objects.select_related("version__twin")
        .filter(pk=fact_id, version=version)
        .first()
    )


def persona_exemplars(*, version: TwinVersion) -> dict[str, list[PassageRecord]]:
    """The version's exemplar passages per register, best first; passages deleted since
    are left out."""
    rows = list(Exemplar.objects.filter(version=version).order_by("register", "rank"))
    passages = passages_by_id(
        memorial_id=version.twin.memorial_id, passage_ids=[row.passage_id for row in rows]
    )
    exemplars: dict[str, list[PassageRecord]] = defaultdict(list)
    for row in rows:
        if row.passage_id in passages:
            exemplars[row.register].append(passages[row.passage_id])
    return dict(exemplars)


def persona_export(*, memorial_id: uuid.UUID) -> dict[str, Any]:
    """The persona pack of every kept version and the subject's reviews, decrypted, for the
    subject's export."""
    twin = Twin.objects.filter(memorial_id=memorial_id).first()
    if twin is None:
        return {"versions": [], "reviews": []}
    cipher = memorial_cipher(memorial_id=memorial_id)
    versions = []
    for version in twin.versions.order_by("number"):
        versions.append(
            {
                "number": version.number,
                "status": version.status,
                "distilled_by": version.llm_label,
                "facts": [
                    {
                        "kind": fact.kind,
                        "origin": fact.origin,
                        "text": fact.text,
                        "detail": fact.detail,
                        "weight": fact.weight,
                        "source_passage_ids": fact.source_passage_ids,
                        "your_review": fact.decision,
                        "your_words": fact.corrected,
                    }
                    for fact in persona_facts_reviewed(version=version, cipher=cipher)
                ],
                "exemplars": [
                    {"register": row.register, "rank": row.rank, "passage_id": row.passage_id}
                    for row in Exemplar.objects.filter(version=version)
                ],
            }
        )
    reviews = [
        {
            "fact_key": review.fact_key,
            "decision": review.decision,
            "your_words": cipher.decrypt_text(review.corrected_encrypted)
            if review.decision == FactReview.Decision.CORRECTED
            else "",
            "updated_at": review.updated_at.isoformat(),
        }
        for review in FactReview.objects.filter(twin=twin)
    ]
    return {"versions": versions, "reviews": reviews}
