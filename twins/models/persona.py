"""The persona pack: facts with the passages they came from, the subject's reviews of them,
and exemplar passages per register."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from corpus.models import Register
from twins.models.twin import Twin, TwinVersion


class FactKind(models.TextChoices):
    PERSON = "person", "A person in their life"
    PLACE = "place", "A place"
    DATE = "date", "A date"
    WORK = "work", "Work"
    VALUE = "value", "Something they value"
    OPINION = "opinion", "An opinion"
    STORY = "story", "A story they tell"


class FactOrigin(models.TextChoices):
    LLM = "llm", "Distilled by a language model"
    RULES = "rules", "Found by rules"
    SUBJECT = "subject", "Added by the subject"


class PersonaFact(models.Model):
    """One thing the twin knows about the person, in one version, with the ids of the
    passages that state it. Text and detail are encrypted; `fact_key` is the memorial's
    keyed hash of the normalised statement, so the subject's review carries to rebuilds."""

    version = models.ForeignKey(TwinVersion, on_delete=models.CASCADE, related_name="facts")
    kind = models.CharField(max_length=16, choices=FactKind.choices)
    origin = models.CharField(max_length=16, choices=FactOrigin.choices)
    text_encrypted = models.BinaryField()  # "Tom is their brother"
    detail_encrypted = models.BinaryField()  # JSON: e.g. {"name": "Tom", "relation": "brother"}
    fact_key = models.CharField(max_length=64)
    source_passage_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    weight = models.FloatField(default=0)  # how strongly the writing supports it
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "kind", "-weight"]
        constraints = [
            models.UniqueConstraint(fields=["version", "fact_key"], name="persona_fact_once"),
            models.CheckConstraint(
                condition=models.Q(kind__in=FactKind.values), name="persona_fact_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} fact of {self.version_id}"


class FactReview(models.Model):
    """The subject's decision on a fact (by its key): confirmed, corrected (with their
    words, encrypted) or deleted. Kept on the twin, applied to every later version."""

    class Decision(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        CORRECTED = "corrected", "Corrected"
        DELETED = "deleted", "Deleted"

    twin = models.ForeignKey(Twin, on_delete=models.CASCADE, related_name="fact_reviews")
    fact_key = models.CharField(max_length=64)
    decision = models.CharField(max_length=16, choices=Decision.choices)
    corrected_encrypted = models.BinaryField()  # the subject's own wording, when corrected
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["twin", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["twin", "fact_key"], name="fact_review_once"),
        ]

    def __str__(self) -> str:
        return f"{self.decision} {self.fact_key[:8]}"


class Exemplar(models.Model):
    """A passage chosen to show the person's range in a register (central and diverse)."""

    version = models.ForeignKey(TwinVersion, on_delete=models.CASCADE, related_name="exemplars")
    register = models.CharField(max_length=16, choices=Register.choices)
    passage_id = models.BigIntegerField()
    rank = models.PositiveIntegerField()

    class Meta:
        ordering = ["version", "register", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "register", "rank"], name="exemplar_rank_once"
            ),
        ]

    def __str__(self) -> str:
        return f"exemplar {self.rank} ({self.register}) of {self.version_id}"
