"""The fidelity report: how close the twin writes to the person, measured on their writing."""

from __future__ import annotations

import uuid

from django.db import models

from twins.models.twin import Twin


class FidelityStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Measuring"
    DONE = "done", "Measured"
    FAILED = "failed", "Could not finish"
    STOPPED = "stopped", "Stopped: consent withdrawn"


class FidelityReport(models.Model):
    """One measurement (`twins.fidelity`), kept on the twin: its figures as a JSON object,
    encrypted with the memorial's key (no text of the subject's is in it, but the figures
    describe their writing)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    twin = models.ForeignKey(Twin, on_delete=models.CASCADE, related_name="fidelity_reports")
    status = models.CharField(
        max_length=16, choices=FidelityStatus.choices, default=FidelityStatus.QUEUED
    )
    report_encrypted = models.BinaryField(default=b"")
    failure = models.TextField(blank=True)  # plain words, no content
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=FidelityStatus.values),
                name="fidelity_report_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"fidelity report {self.id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status not in (FidelityStatus.QUEUED, FidelityStatus.RUNNING)
