"""What the twin remembers of a visitor: what they shared about themselves and their life."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DatePrecision(models.TextChoices):
    DAY = "day", "to the day"
    WEEK = "week", "to the week"
    MONTH = "month", "to the month"
    YEAR = "year", "to the year"


class VisitorMemory(models.Model):
    """One thing a visitor told the twin about themselves ("my son started school"), dated,
    encrypted. Theirs alone: it is read back only into that visitor's own conversation, and
    they see, correct and delete it. `memory_key` is the memorial's keyed hash of the
    normalised statement, for de-duplication; `vector_encrypted` its embedding (float32,
    encrypted like the text), so a reply ranks a visitor's memories without re-embedding
    them."""

    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="visitor_memories"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visitor_memories"
    )
    text_encrypted = models.BinaryField()
    memory_key = models.CharField(max_length=64)
    vector_encrypted = models.BinaryField(null=True, blank=True)
    about_date = models.DateField(null=True, blank=True)  # when it happened, if said
    # how precisely the visitor's words placed it: "in March" is March, not the first of it
    about_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    source_message = models.ForeignKey(
        "conversations.Message", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="memories",
    )  # fmt: skip
    corrected = models.BooleanField(default=False)  # the visitor's own wording
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["memorial", "visitor", "memory_key"], name="visitor_memory_once"
            ),
        ]

    def __str__(self) -> str:
        return f"memory {self.id} of visitor {self.visitor_id}"
