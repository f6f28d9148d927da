"""A memorial: one person's preserved self, the people around it, and its lifecycle."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class MemorialState(models.TextChoices):
    PRESERVING = "preserving", "Preserving"  # the subject is building the twin
    SEALED = "sealed", "Sealed"  # finished; nobody but the subject talks to it
    ACTIVE = "active", "Active"  # family may visit
    CLOSED = "closed", "Closed"  # sunset reached or closed by a steward
    ERASED = "erased", "Erased"  # kill switch: a content-free tombstone remains


class Role(models.TextChoices):
    SUBJECT = "subject", "Subject"
    STEWARD = "steward", "Steward"
    FAMILY = "family", "Family"


class Memorial(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, help_text="The name the family knows them by.")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memorials_of_self"
    )
    state = models.CharField(
        max_length=16, choices=MemorialState.choices, default=MemorialState.PRESERVING
    )
    state_changed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=MemorialState.values), name="memorial_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("memorials:detail", kwargs={"memorial_id": self.id})


class Membership(models.Model):
    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["memorial", "role", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["memorial", "user"], name="membership_once"),
            models.UniqueConstraint(
                fields=["memorial"],
                condition=models.Q(role="subject"),
                name="membership_one_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) of {self.memorial}"


class Invitation(models.Model):
    """A tokenised, expiring, single-use link. Only the token's hash is stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations_sent"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_accepted",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[Role.STEWARD, Role.FAMILY]),
                name="invitation_role_not_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} as {self.role} of {self.memorial}"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )
