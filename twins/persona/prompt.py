"""The persona pack as the twin is told it: the facts as the subject reviewed them, and
passages showing how they write in each register."""

from __future__ import annotations

from twins.models import FactReview, TwinVersion
from twins.persona.selectors import (
    KIND_HEADINGS,
    KIND_ORDER,
    ReviewedFact,
    persona_exemplars,
    persona_facts_reviewed,
)

MAX_FACTS = 150  # the strongest kept, the subject's confirmed and corrected ones first
EXEMPLARS_PER_REGISTER = 3
EXEMPLAR_CHARS = 900

FACTS_INTRO = (
    "What you know about your own life, gathered from your own writing. Facts marked "
    "“(you confirmed this)” you checked yourself; the rest come from what you wrote and may "
    "be incomplete. Never add facts that are not here or in the passages you are given."
)
CHECKED_HEADING = "What you checked yourself:"
REGISTER_PHRASES = {
    "family": "With family",
    "friends": "With friends",
    "professional": "At work",
    "public": "In public",
}
EXEMPLARS_INTRO = "How you write, in your own words, to each part of your life:"


def persona_instructions(*, version: TwinVersion) -> str:
    """What the person knows and cares about: the version's facts as the subject reviewed
    them (deleted ones left out, corrected ones in the subject's words, confirmed and
    corrected ones first), and exemplars of their writing per register (leaving out the
    passages behind a fact they deleted)."""
    reviewed = persona_facts_reviewed(version=version)
    facts = [fact for fact in reviewed if fact.decision != FactReview.Decision.DELETED]
    facts.sort(key=lambda fact: (not fact.decision, KIND_ORDER.index(fact.kind), -fact.weight))
    kept = facts[:MAX_FACTS]
    parts: list[str] = []
    if kept:
        parts.append(FACTS_INTRO)
    checked = [_fact_line(fact) for fact in kept if fact.decision]
    if checked:
        parts.append(f"{CHECKED_HEADING}\n" + "\n".join(checked))
    for kind in KIND_ORDER:
        lines = [_fact_line(fact) for fact in kept if fact.kind == kind and not fact.decision]
        if lines:
            parts.append(f"{KIND_HEADINGS[kind]}:\n" + "\n".join(lines))
    withheld = {
        passage_id
        for fact in reviewed
        if fact.decision == FactReview.Decision.DELETED
        for passage_id in fact.source_passage_ids
    }
    blocks: list[str] = []
    for register, passages in persona_exemplars(version=version).items():
        shown = [p for p in passages if p.id not in withheld][:EXEMPLARS_PER_REGISTER]
        if shown:
            quoted = "\n\n".join(f"«{_clip(p.text)}»" for p in shown)
            blocks.append(f"{REGISTER_PHRASES.get(register, register)}:\n{quoted}")
    if blocks:
        parts.append("\n\n".join([EXEMPLARS_INTRO, *blocks]))
    return "\n\n".join(parts)


def _fact_line(fact: ReviewedFact) -> str:
    confirmed = " (you confirmed this)" if fact.decision else ""
    return f"- {fact.statement}{confirmed}"


def _clip(text: str) -> str:
    text = text.strip()
    if len(text) <= EXEMPLAR_CHARS:
        return text
    return text[:EXEMPLAR_CHARS].rsplit(" ", 1)[0] + " …"
