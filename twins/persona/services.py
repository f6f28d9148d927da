"""The subject's review of their persona pack: confirm a fact, correct it in their own words,
delete it, or undo their decision. A review is kept on the twin by the fact's key, so it
applies to every later version that states the same fact. Each change is audited (which
decision, on which kind of fact; never the words); the corrected words are encrypted."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from core.audit import audit_record
from core.crypto import memorial_cipher
from twins.models import FactReview, PersonaFact

MAX_CORRECTION_CHARS = 500


class FactReviewRefused(ValueError):
    """The review cannot be made as asked; the message says why, for the subject."""


def fact_review(
    *, fact: PersonaFact, decision: str, actor: User, corrected_text: str = ""
) -> FactReview:
    """Record the subject's decision on `fact` (and, to correct it, their words). Doing the
    same again changes nothing and is not audited again."""
    if decision not in FactReview.Decision.values:
        raise FactReviewRefused("That is not something you can do to a fact.")
    words = " ".join(corrected_text.split())
    if decision == FactReview.Decision.CORRECTED:
        if not words:
            raise FactReviewRefused("Write the fact as it should be, in your own words.")
        if len(words) > MAX_CORRECTION_CHARS:
            raise FactReviewRefused(
                f"Please keep a correction under {MAX_CORRECTION_CHARS} characters."
            )
    else:
        words = ""
    twin = fact.version.twin
    cipher = memorial_cipher(memorial_id=twin.memorial_id)
    with transaction.atomic():
        review = (
            FactReview.objects.select_for_update().filter(twin=twin, fact_key=fact.fact_key).first()
        )
        if (
            review is not None
            and review.decision == decision
            and cipher.decrypt_text(review.corrected_encrypted) == words
        ):
            return review
        if review is None:
            review = FactReview(twin=twin, fact_key=fact.fact_key)
        review.decision = decision
        review.corrected_encrypted = cipher.encrypt_text(words)
        review.save()
        audit_record(
            action="twins.persona_fact_reviewed",
            memorial_id=twin.memorial_id,
            actor=actor,
            data={"decision": decision, "kind": fact.kind, "version": fact.version.number},
        )
    return review


def fact_review_undo(*, fact: PersonaFact, actor: User) -> bool:
    """Take back the subject's decision on `fact`: it is as distilled again. False when
    there was nothing to undo."""
    twin = fact.version.twin
    with transaction.atomic():
        deleted, _ = FactReview.objects.filter(twin=twin, fact_key=fact.fact_key).delete()
        if deleted:
            audit_record(
                action="twins.persona_fact_review_undone",
                memorial_id=twin.memorial_id,
                actor=actor,
                data={"kind": fact.kind, "version": fact.version.number},
            )
    return bool(deleted)
