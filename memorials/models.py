"""A memorial: one person's preserved self, the people around it, and its lifecycle."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from core.crypto import KeyDestroyed, MemorialCipher, memorial_cipher

# What an erased memorial is called: its own name went with its key.
ERASED_NAME = "Erased memorial"
# The sub-key an invitee's address is hashed under, to find it again.
INVITATION_EMAIL = "invitation-email"


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
    # The name the family knows them by, encrypted with the memorial's own key
    # (`memorials.services.memorial_create`); read it as `name`.
    name_encrypted = models.BinaryField()
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memorials_of_self"
    )
    state = models.CharField(
        max_length=16, choices=MemorialState.choices, default=MemorialState.PRESERVING
    )
    state_changed_at = models.DateTimeField(default=timezone.now)
    # Set while the memorial is active because its living subject opened it to their family
    # (`memorials.opening`); empty otherwise, and cleared once it is activated after death.
    # It is what tells "conversations while you live" from "after your death" apart, and
    # what lets the subject close it again (active -> preserving).
    opened_while_living_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=MemorialState.values), name="memorial_state_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(opened_while_living_at__isnull=True)
                | models.Q(state=MemorialState.ACTIVE),
                name="memorial_opened_while_living_only_active",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("memorials:detail", kwargs={"memorial_id": self.id})

    @property
    def name(self) -> str:
        """The name, decrypted (once per instance and ciphertext); "Erased memorial" once the
        memorial is erased or its key destroyed."""
        return self.name_read()

    def name_read(self, *, cipher: MemorialCipher | None = None) -> str:
        """`name`, decrypted with `cipher` when the caller holds it (a list of memorials
        fetches their keys at once: `core.crypto.memorial_ciphers`), else with the key read
        now."""
        token = bytes(self.name_encrypted)
        cached = self.__dict__.get("_name_read")
        if cached is not None and cached[0] == token:
            return str(cached[1])
        if self.state == MemorialState.ERASED:
            return ERASED_NAME
        try:
            cipher = cipher or memorial_cipher(memorial_id=self.id)
        except KeyDestroyed:
            return ERASED_NAME
        name = cipher.decrypt_text(token)
        self.__dict__["_name_read"] = (token, name)
        return name


class AgeGroup(models.TextChoices):
    """What a visitor said of their age when they accepted their invitation ("" for people
    who joined before it was asked: they are asked before their next conversation)."""

    UNSTATED = "", "Not stated yet"
    ADULT = "adult", "18 or over"
    MINOR = "minor", "Under 18"


class Membership(models.Model):
    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    age_group = models.CharField(
        max_length=8, choices=AgeGroup.choices, default=AgeGroup.UNSTATED, blank=True
    )
    # A visitor under 18 talks with the twin only after a steward approved it explicitly.
    minor_approved_at = models.DateTimeField(null=True, blank=True)
    minor_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
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
    # The invitee's address, encrypted with the memorial's key (`email`), and its keyed hash
    # (the memorial's "invitation-email" sub-key) to find an address already invited.
    email_encrypted = models.BinaryField()
    email_hash = models.CharField(max_length=64, db_index=True)
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
        return f"invitation {self.id} as {self.role}"

    @property
    def email(self) -> str:
        """The invitee's address ("" once the memorial's key is destroyed)."""
        try:
            cipher = memorial_cipher(memorial_id=self.memorial_id)
        except KeyDestroyed:
            return ""
        return cipher.decrypt_text(bytes(self.email_encrypted))

    @staticmethod
    def email_sealed(*, cipher: MemorialCipher, email: str) -> dict[str, Any]:
        """The stored fields for `email` (lower-cased): its ciphertext and its keyed hash."""
        email = email.strip().lower()
        return {
            "email_encrypted": cipher.encrypt_text(email),
            "email_hash": cipher.keyed_hash(purpose=INVITATION_EMAIL, value=email),
        }

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


# --- Wishes ------------------------------------------------------------------------------


class VisitorRule(models.TextChoices):
    ALL_FAMILY = "all_family", "Everyone I invited as family or steward"
    NAMED = "named", "Only the people I name"


class SunsetRule(models.TextChoices):
    NONE = "none", "No end: it stays open until a steward closes it"
    YEARS = "years", "A number of years after it is activated"
    DATE = "date", "On a date"


class EndingRule(models.TextChoices):
    ARCHIVE = "archive", "Keep a read-only archive of my writing for my family"
    ERASE = "erase", "Erase everything"


class MemorialWishes(models.Model):
    """The subject's wishes for their memorial. Only the subject changes them
    (`memorials.wishes.wishes_update`); stewards read them. No row means the defaults."""

    memorial = models.OneToOneField(Memorial, on_delete=models.CASCADE, related_name="wishes")
    visitors = models.CharField(
        max_length=16, choices=VisitorRule.choices, default=VisitorRule.ALL_FAMILY
    )
    # The people named (when `visitors` is NAMED): memberships, so a changed email address
    # changes nothing and a removed member drops out with their membership. People invited
    # but not yet joined are named through their invitation, which `invitation_accept`
    # turns into their membership here.
    named_visitors = models.ManyToManyField(Membership, blank=True, related_name="named_in")
    named_invitations = models.ManyToManyField(Invitation, blank=True, related_name="named_in")
    # A JSON list of topics, encrypted with the memorial's key; empty when none was ever set.
    # Read it as `forbidden_topics`; `memorials.wishes.wishes_update` writes it.
    forbidden_topics_encrypted = models.BinaryField(default=b"", blank=True)
    talk_while_living = models.BooleanField(default=False)
    # Whether the twin may tell one family member what the subject wrote to another (the
    # passage's audience decides; off by default: what was written to one stays theirs).
    share_between_family = models.BooleanField(default=False)
    sunset = models.CharField(max_length=8, choices=SunsetRule.choices, default=SunsetRule.NONE)
    sunset_years = models.PositiveSmallIntegerField(null=True, blank=True)
    sunset_on = models.DateField(null=True, blank=True)
    ending = models.CharField(max_length=8, choices=EndingRule.choices, default=EndingRule.ARCHIVE)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name_plural = "memorial wishes"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(sunset="none", sunset_years__isnull=True, sunset_on__isnull=True)
                    | models.Q(sunset="years", sunset_years__gte=1, sunset_on__isnull=True)
                    | models.Q(sunset="date", sunset_years__isnull=True, sunset_on__isnull=False)
                ),
                name="wishes_sunset_consistent",
            ),
            models.CheckConstraint(
                condition=models.Q(visitors__in=VisitorRule.values), name="wishes_visitors_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(ending__in=EndingRule.values), name="wishes_ending_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"wishes for {self.memorial_id}"

    @property
    def forbidden_topics(self) -> list[str]:
        """Topics the twin must not discuss, decrypted with the memorial's key."""
        token = bytes(self.forbidden_topics_encrypted)
        if not token:
            return []
        topics = json.loads(memorial_cipher(memorial_id=self.memorial_id).decrypt_text(token))
        return [str(topic) for topic in topics]


# --- Activation after death -------------------------------------------------------------


class ActivationKey(models.Model):
    """A steward's activation key, issued in advance. Shown once; only its hash is kept."""

    memorial = models.ForeignKey(Memorial, on_delete=models.CASCADE, related_name="activation_keys")
    steward = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activation_keys"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    last_failed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["memorial", "steward"],
                condition=models.Q(revoked_at__isnull=True),
                name="activation_key_one_live_per_steward",
            ),
        ]

    def __str__(self) -> str:
        return f"activation key of {self.steward_id} for {self.memorial_id}"


class ActivationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Not approved"
    CANCELLED = "cancelled", "Cancelled"


class ActivationRequest(models.Model):
    """A steward's request to activate the memorial after the subject's death: their key, a
    death certificate (encrypted on disk), then a second person's approval."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memorial = models.ForeignKey(
        Memorial, on_delete=models.CASCADE, related_name="activation_requests"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activations_started"
    )
    status = models.CharField(
        max_length=16, choices=ActivationStatus.choices, default=ActivationStatus.PENDING
    )
    # Its name in the encrypted file store (core.files): ciphertext under the memorial's key.
    certificate_path = models.CharField(max_length=300)
    certificate_type = models.CharField(max_length=64)
    certificate_bytes = models.PositiveIntegerField()
    # Before this moment nobody may approve: the subject, if alive, has time to cancel.
    approvable_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activations_decided",
    )
    decided_as_staff = models.BooleanField(default=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["memorial"],
                condition=models.Q(status="pending"),
                name="activation_one_pending_per_memorial",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved")
                | ~models.Q(decided_by=models.F("started_by")),
                name="activation_approved_by_someone_else",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ActivationStatus.values),
                name="activation_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"activation of {self.memorial_id} ({self.status})"

    @property
    def certificate_kind(self) -> str:
        """For people: "PDF", "JPEG image"…"""
        kind = self.certificate_type.rsplit("/", 1)[-1].upper()
        return kind if kind == "PDF" else f"{kind} image"


class InactivityWatch(models.Model):
    """Where the inactivity fallback stands for one memorial's subject. A new sign-in (a
    newer `seen_at`) starts the count again."""

    memorial = models.OneToOneField(
        Memorial, on_delete=models.CASCADE, related_name="inactivity_watch"
    )
    seen_at = models.DateTimeField()  # the subject's last sign-in this cycle counts from
    warnings_sent = models.PositiveSmallIntegerField(default=0)
    last_warning_at = models.DateTimeField(null=True, blank=True)
    stewards_notified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["seen_at"]

    def __str__(self) -> str:
        return f"inactivity of {self.memorial_id}: {self.warnings_sent} warnings"


class MemorialSunset(models.Model):
    """A memorial closed by its sunset, and whether its erasure (per the wishes) is done."""

    memorial = models.OneToOneField(Memorial, on_delete=models.CASCADE, related_name="sunset")
    closed_at = models.DateTimeField()
    ending = models.CharField(max_length=8, choices=EndingRule.choices)
    erasure_requested_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-closed_at"]

    def __str__(self) -> str:
        return f"sunset of {self.memorial_id} ({self.ending})"


# --- Erasure ---------------------------------------------------------------------------


class ErasureCertificate(models.Model):
    """The signed, content-free record of one erasure, kept beside the memorial's tombstone.

    `body` is the certificate exactly as signed (kinds of data, counts, times, results of
    remote deletions; never content); `signature` and `public_key` are base64 Ed25519.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memorial = models.OneToOneField(
        Memorial, on_delete=models.PROTECT, related_name="erasure_certificate"
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
