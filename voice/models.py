"""Voice: clones of the subject's voice held by a provider, and every call made to one."""

from __future__ import annotations

import uuid

from django.db import models


class VoiceClone(models.Model):
    """A copy of the subject's voice that lives at a provider (e.g. an ElevenLabs voice id).

    Only its remote id is kept here; deleting it means asking the provider to delete it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="voice_clones"
    )
    provider = models.CharField(max_length=32)
    remote_id = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)  # deleted at the provider

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "remote_id"], name="voice_clone_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} voice {self.remote_id}"


class VoiceProviderCall(models.Model):
    """One call to a voice provider and how it went: the record that a deletion happened.

    Names the memorial by its keyed audit reference, not its id, so the record can outlive
    an erasure without pointing at the erased memorial."""

    class Action(models.TextChoices):
        DELETE_VOICE = "delete_voice", "Delete a voice clone"

    provider = models.CharField(max_length=32)
    action = models.CharField(max_length=32, choices=Action.choices)
    remote_id = models.CharField(max_length=200, blank=True)
    memorial_ref = models.CharField(max_length=64, blank=True, db_index=True)
    ok = models.BooleanField()
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.provider} {self.action} {self.remote_id}: {'ok' if self.ok else 'failed'}"
