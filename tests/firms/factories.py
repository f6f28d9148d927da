"""Firms, staff (with two-factor, as every firm staff account must have) and clients, for
the firms tests."""

from __future__ import annotations

import itertools
from typing import Any

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from accounts.models import User
from firms.models import ClientStage, Firm, FirmClient, FirmRole, FirmStaff
from memorials.services import memorial_create
from tests.accounts.factories import UserFactory

_numbers = itertools.count(1)


def firm_make(*, name: str | None = None, slug: str | None = None, **fields: Any) -> Firm:
    n = next(_numbers)
    return Firm.objects.create(
        name=name or f"Hart & Vale Estate Planning {n}",
        slug=slug or f"hart-vale-{n}",
        contact_email=f"office{n}@hartvale.example",
        **fields,
    )


def user_with_two_factor(**fields: Any) -> User:
    user = UserFactory(**fields)
    TOTP.activate(user, generate_totp_secret())
    return user


def staff_make(
    *, firm: Firm, role: str = FirmRole.ADVISOR, user: User | None = None, two_factor: bool = True
) -> FirmStaff:
    if user is None:
        user = user_with_two_factor() if two_factor else UserFactory()
    return FirmStaff.objects.create(firm=firm, user=user, role=role)


def client_make(
    *,
    firm: Firm,
    name: str | None = None,
    email: str | None = None,
    advisor: FirmStaff | None = None,
    joined: bool = False,
    **fields: Any,
) -> FirmClient:
    """A client on the roster; `joined` also makes their account and their own memorial (the
    client its subject) and attaches it, as accepting the firm's invitation does."""
    n = next(_numbers)
    client = FirmClient.objects.create(
        firm=firm,
        name=name or f"Client {n}",
        email=(email or f"client{n}@example.org").lower(),
        advisor=advisor,
        invited_at=timezone.now(),
        **fields,
    )
    if joined:
        user = UserFactory(email=client.email, full_name=client.name)
        memorial = memorial_create(subject=user, name=client.name)
        client.user = user
        client.memorial = memorial
        client.accepted_at = timezone.now()
        client.stage = ClientStage.JOINED
        client.save(update_fields=["user", "memorial", "accepted_at", "stage"])
    return client
