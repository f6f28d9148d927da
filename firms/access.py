"""The one way in to everything a firm does: `firm_get_for` for the firm, `firm_client_get_for`
for one of its clients. Anyone who is not current staff of the firm with the power asked
for gets a 404, like a firm that does not exist, so a stranger learns nothing."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.http import Http404

from accounts.models import User
from firms.models import FirmClient, FirmRole, FirmStaff


class FirmNotFound(Http404):
    """No such firm or client *for this person*, or not with the power asked for."""


class FirmPower(models.TextChoices):
    """What staff may do. An assistant does what an advisor does except settings, staff and
    billing; only the owner exports the trail."""

    CLIENTS = "clients", "See clients' status, add and remind clients"
    SETTINGS = "settings", "Change the firm's details and branding"
    STAFF = "staff", "Invite and remove staff"
    BILLING = "billing", "Manage the firm's billing"
    API = "api", "Manage API tokens and webhooks"
    TRAIL_EXPORT = "trail_export", "Export the audit trail"
    CLOSE = "close", "Close the firm"


ROLE_POWERS: Mapping[str, frozenset[str]] = {
    FirmRole.OWNER: frozenset(FirmPower.values),
    FirmRole.ADVISOR: frozenset(
        {FirmPower.CLIENTS, FirmPower.SETTINGS, FirmPower.STAFF, FirmPower.BILLING}
    ),
    FirmRole.ASSISTANT: frozenset({FirmPower.CLIENTS}),
}


def staff_may(*, staff: FirmStaff, power: str) -> bool:
    """Whether `staff`'s role carries `power` (for showing or hiding a button; the views ask
    `firm_get_for` with the power)."""
    return power in ROLE_POWERS[staff.role]


def firm_get_for(
    *,
    user: User | AnonymousUser | None,
    slug: str,
    power: str = FirmPower.CLIENTS,
) -> FirmStaff:
    """The caller's current staff row of the firm named by `slug`, with the firm joined in,
    when their role carries `power`. Raises FirmNotFound otherwise (signed out, not staff,
    removed, the firm closed, or a role without the power)."""
    if user is None or not user.is_authenticated:
        raise FirmNotFound
    staff = (
        FirmStaff.objects.select_related("firm", "user")
        .filter(
            firm__slug=slug,
            firm__closed_at__isnull=True,
            user=user,
            removed_at__isnull=True,
        )
        .first()
    )
    if staff is None or not staff_may(staff=staff, power=power):
        raise FirmNotFound
    return staff


def firm_client_get_for(*, staff: FirmStaff, client_id: uuid.UUID | str) -> FirmClient:
    """One client of `staff`'s firm that has not detached it. Raises FirmNotFound otherwise.
    The client row carries status only; the memorial's contents stay behind
    `memorials.selectors.memorial_get_for`, which firm staff never pass as such."""
    client = (
        FirmClient.objects.select_related("advisor__user", "memorial")
        .filter(firm_id=staff.firm_id, pk=client_id, detached_at__isnull=True)
        .first()
    )
    if client is None:
        raise FirmNotFound
    return client
