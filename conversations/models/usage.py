"""Usage per visitor and month, counted atomically, for plans to use later."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class UsageMonth(models.Model):
    """A visitor's use of one memorial's twin in one month (`month` is its first day).
    Incremented with F() expressions in one UPDATE, so concurrent conversations count
    exactly. The subject and stewards see totals only."""

    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="usage_months"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="usage_months"
    )
    month = models.DateField()
    messages = models.PositiveIntegerField(default=0)
    input_tokens = models.PositiveBigIntegerField(default=0)
    output_tokens = models.PositiveBigIntegerField(default=0)
    cache_read_tokens = models.PositiveBigIntegerField(default=0)
    seconds = models.PositiveIntegerField(default=0)  # of conversation (socket open, active)
    spoken_seconds = models.PositiveIntegerField(default=0)  # of the twin's replies, spoken
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["memorial", "visitor", "month"], name="usage_month_once"
            ),
        ]

    def __str__(self) -> str:
        return f"usage {self.month:%Y-%m} of visitor {self.visitor_id}"
