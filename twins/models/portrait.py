"""The style portrait: how the subject writes in each register, and their corrections."""

from __future__ import annotations

from django.db import models

from corpus.models import Register
from twins.models.twin import Twin, TwinVersion


class StylePortrait(models.Model):
    """One register's portrait in one version: the measured features (a JSON object,
    encrypted with the memorial's key: favourite words and sign-offs are the subject's
    words) and how much writing they are based on."""

    version = models.ForeignKey(TwinVersion, on_delete=models.CASCADE, related_name="portraits")
    register = models.CharField(max_length=16, choices=Register.choices)
    features_encrypted = models.BinaryField()
    messages_count = models.PositiveIntegerField(default=0)
    words_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version", "register"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "register"], name="style_portrait_once_per_register"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.register} portrait of {self.version_id}"


class CorrectionKind(models.TextChoices):
    STRIKE = "strike", "Not me: never use this"
    NOTE = "note", "A note from me"


class StyleCorrection(models.Model):
    """The subject's word on their portrait, which wins over the statistics: a phrase struck
    out, or a note ("I never swear with the children"). Kept on the twin: it outlives
    rebuilds. The text is encrypted."""

    twin = models.ForeignKey(Twin, on_delete=models.CASCADE, related_name="style_corrections")
    register = models.CharField(max_length=16, choices=Register.choices)
    kind = models.CharField(max_length=16, choices=CorrectionKind.choices)
    text_encrypted = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["register", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=CorrectionKind.values),
                name="style_correction_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.register} of {self.twin_id}"
