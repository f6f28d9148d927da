"""Writes about a firm's clients: adding one to the roster.

A minimal stand-in for the clients part's module of the same name (same signature), so the
API can add clients; that part's version adds the personal invitation and replaces this file
at merge."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from accounts.models import User
from core.names import name_clean
from firms.models import Firm, FirmClient, FirmStaff
from firms.trail import firm_audit_record


class ClientError(Exception):
    """Why a client cannot be added; the message is shown as it is."""


def client_email_clean(email: str) -> str:
    """`email` stripped and lower-cased; ClientError when it is not an address."""
    cleaned = (email or "").strip().lower()
    if not cleaned:
        raise ClientError("An email address is needed.")
    try:
        validate_email(cleaned)
    except ValidationError:
        raise ClientError(f"“{cleaned}” is not an email address.") from None
    return cleaned


def client_name_clean(name: str) -> str:
    try:
        return name_clean(name or "", label="The client's name")
    except ValidationError as error:
        raise ClientError(error.messages[0]) from None


def client_create(
    *,
    firm: Firm,
    actor: User | None,
    name: str,
    email: str,
    advisor: FirmStaff | None = None,
    external_ref: str = "",
    invite: bool = True,
) -> FirmClient:
    """The firm's live client with `email`, added (audited "firm.client_added"), unless the
    address is already a live client: then that client is returned unchanged. ClientError
    for a bad name or address, or an advisor who is not current staff of the firm. (`invite`
    is honoured by the clients part's version of this function.)"""
    email = client_email_clean(email)
    name = client_name_clean(name)
    if advisor is not None and (advisor.firm_id != firm.id or advisor.removed_at is not None):
        raise ClientError("The advisor must be current staff of the firm.")
    existing = FirmClient.objects.filter(firm=firm, email=email, detached_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            client = FirmClient.objects.create(
                firm=firm,
                name=name,
                email=email,
                advisor=advisor,
                external_ref=external_ref.strip()[:100],
            )
            firm_audit_record(
                firm=firm,
                action="firm.client_added",
                actor=actor,
                client=client,
                data={"advisor": str(advisor.id) if advisor else ""},
            )
    except IntegrityError:
        # Added at the same moment by another request: theirs is the client.
        return FirmClient.objects.get(firm=firm, email=email, detached_at__isnull=True)
    return client
