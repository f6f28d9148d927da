"""What an erasure leaves behind, beside the memorial's tombstone."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ErasureCertificate(models.Model):
    """The signed, content-free record of one erasure, kept beside the memorial's tombstone.

    `body` is the certificate exactly as signed (kinds of data, counts, times, results of
    remote deletions; never content); `signature` and `public_key` are base64 Ed25519.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memorial = models.OneToOneField(
        "memorials.Memorial", on_delete=models.PROTECT, related_name="erasure_certificate"
    )
    # Who pulled the kill switch: the one person who may download this after the erasure.
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="erasure_certificates",
    )
    body = models.JSONField()
    signature = models.CharField(max_length=200)
    public_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"erasure certificate {self.id}"
