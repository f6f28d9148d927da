"""Grief safety's records: what stewards are told, and the time limits they set per visitor.

A `SafetyAlert` tells the stewards that a visitor may need care, tried to use the twin for
money or secrets, or leans on it heavily; it carries the visitor's words only when the visitor
agreed (`content_encrypted`, the memorial's key), never by default. `VisitLimits` holds a
steward's choices for one visitor; no row means the defaults (stricter for visitors under 18).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AlertKind(models.TextChoices):
    CRISIS = "crisis", "May need care"
    FRAUD = "fraud", "Repeated requests for money, secrets or instructions"
    RELIANCE = "reliance", "Leaning on the twin heavily"


class SafetyAlert(models.Model):
    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="safety_alerts"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_alerts"
    )
    kind = models.CharField(max_length=16, choices=AlertKind.choices)
    message = models.ForeignKey(
        "conversations.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    content_shared = models.BooleanField(default=False)  # the visitor agreed to share words
    reach_requested_at = models.DateTimeField(null=True, blank=True)  # they asked to be reached
    content_encrypted = models.BinaryField(default=b"", blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)  # stewards mailed
    seen_at = models.DateTimeField(null=True, blank=True)  # a steward opened it
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["memorial", "-created_at"], name="safety_alert_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=AlertKind.values), name="safety_alert_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} alert on {self.memorial_id}"


class VisitLimits(models.Model):
    """A steward's limits for one visitor's time with the twin (minutes; None: the default;
    0 minutes of break reminder: none). Quiet hours are local times (the site's TIME_ZONE)
    and may wrap midnight (22:00-07:00)."""

    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="visit_limits"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visit_limits"
    )
    session_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    daily_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    break_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["memorial", "visitor"], name="visit_limits_once"),
        ]

    def __str__(self) -> str:
        return f"limits for {self.visitor_id} on {self.memorial_id}"
