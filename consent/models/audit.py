"""The append-only, hash-chained audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One thing that happened. Each row's hash covers the previous row's hash, so editing
    or deleting any row breaks the chain from there on (`manage.py audit_verify`)."""

    # Not the memorial's id but a keyed hash of it (`consent.audit.memorial_ref`): the trail
    # outlives an erasure, and then must not carry the erased memorial's id.
    memorial_ref = models.CharField(max_length=64, blank=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_label = models.CharField(max_length=200, blank=True)  # survives the actor's deletion
    # The actor's id as written, which the hash covers: `actor` becomes NULL when the person
    # is deleted (the one change the append-only trigger allows), and the chain must still hold.
    actor_ref = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)  # never content: ids, scopes, counts
    created_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"
