"""Twins: every call made to a language model, with its token counts, for later billing."""

from __future__ import annotations

from django.db import models


class LlmCall(models.Model):
    """One call to an LLM provider: who, which model, why, the tokens and the cost estimate.

    Holds no text of the question or the answer."""

    class Purpose(models.TextChoices):
        TWIN_REPLY = "twin_reply", "A twin's reply"
        PERSONA_DISTIL = "persona_distil", "Distilling the persona pack"
        FIDELITY = "fidelity", "Measuring fidelity"
        VISITOR_MEMORY = "visitor_memory", "Remembering what a visitor shared"

    memorial_id = models.UUIDField(db_index=True)
    provider = models.CharField(max_length=32)
    model = models.CharField(max_length=100)
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cache_read_tokens = models.PositiveIntegerField(default=0)
    cache_write_tokens = models.PositiveIntegerField(default=0)
    cost_estimate = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    ok = models.BooleanField()
    error_kind = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cost_estimate__gte=0), name="llm_call_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(ok=True, error_kind="") | models.Q(ok=False),
                name="llm_call_ok_has_no_error",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.provider} {self.model} {self.purpose}: {'ok' if self.ok else self.error_kind}"
        )
