"""Background work queued under a consent scope, so a revocation can drop it while queued."""

from __future__ import annotations

from django.db import models

from consent.models.documents import ConsentScope


class ConsentBoundTask(models.Model):
    """A Celery task queued for a memorial under a scope, until it finishes or is revoked.

    Revocation revokes these task ids at the workers; a task that is already running stops
    at its next step, where it holds the gate (`consent.gate.consent_hold`)."""

    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="consent_bound_tasks"
    )
    scope = models.CharField(max_length=32, choices=ConsentScope.choices)
    task_id = models.CharField(max_length=64, unique=True)
    task_name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["memorial", "scope"], name="consent_task_memorial_scope")]

    def __str__(self) -> str:
        return f"{self.task_name} ({self.scope}) for {self.memorial_id}"
