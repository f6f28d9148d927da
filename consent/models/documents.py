"""Consent: versioned documents, and the subject's signed records of them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from core.consent import ConsentScope
from core.crypto import memorial_cipher


class ConsentDocument(models.Model):
    """The exact text a person agrees to. Never edited: a change is a new version."""

    scope = models.CharField(max_length=32, choices=ConsentScope.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    sha256 = models.CharField(max_length=64)
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scope", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "version"], name="consent_document_version"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    def sections(self) -> list[tuple[str, str]]:
        """(heading, paragraph) pairs for display: a block's first line is its heading
        when a short line without a full stop opens it."""
        result = []
        for block in self.body.split("\n\n"):
            first, _, rest = block.partition("\n")
            if rest and len(first) < 60 and not first.endswith("."):
                result.append((first, rest))
            else:
                result.append(("", block))
        return result


class ConsentRecord(models.Model):
    """A signature: who agreed to which document version for which memorial, when and how."""

    class Method(models.TextChoices):
        """How the signer re-authenticated just before signing (allauth's methods; for
        two-factor, its type)."""

        PASSWORD = "password", "Typed name and password"
        TOTP = "totp", "Typed name and two-factor code"
        RECOVERY_CODE = "recovery_codes", "Typed name and recovery code"
        EMAILED_CODE = "code", "Typed name and emailed code"
        SECURITY_KEY = "webauthn", "Typed name and security key"
        # The demo memorial's consents: signed by the project for a fictional person
        # (`demo.services.demo_create`), never by someone re-authenticating.
        DEMO = "demo", "Signed by Legacy for a fictional demo person, not by a real one"

    class Ending(models.TextChoices):
        REVOKED = "revoked", "Withdrawn"
        SUPERSEDED = "superseded", "Replaced by a newer version"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="consents"
    )
    scope = models.CharField(max_length=32, choices=ConsentScope.choices)
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT)
    document_sha256 = models.CharField(max_length=64)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    # The name they typed to sign, encrypted with the memorial's key: it is often the
    # memorial's own name, and must go with the key when the memorial is erased.
    typed_name_encrypted = models.BinaryField()
    method = models.CharField(max_length=16, choices=Method.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    signed_at = models.DateTimeField(auto_now_add=True)
    # Set when the record stops being live: withdrawn by the subject, or replaced by a
    # signature of a newer document version (`ended_because` tells which).
    revoked_at = models.DateTimeField(null=True, blank=True)
    ended_because = models.CharField(max_length=16, choices=Ending.choices, blank=True)

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            # At most one live consent per scope; history stays as revoked rows.
            models.UniqueConstraint(
                fields=["memorial", "scope"],
                condition=models.Q(revoked_at__isnull=True),
                name="consent_one_live_per_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} for {self.memorial_id} by {self.signer_id}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None

    @property
    def typed_name(self) -> str:
        """The name as typed (decrypted; KeyDestroyed once the memorial is erased)."""
        cipher = memorial_cipher(memorial_id=self.memorial_id)
        return cipher.decrypt_text(bytes(self.typed_name_encrypted))
