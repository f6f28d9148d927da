"""Reads for the firms API: the roster of a token's firm and one client's status. Status
columns only (`FirmClient`), never anything of the client's memorial."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db.models import Q, QuerySet

from firms.models import Firm, FirmClient, FirmStaff


def api_clients_list(
    *, firm: Firm, stage: str | None = None, updated_since: datetime | None = None
) -> QuerySet[FirmClient]:
    """The firm's live clients (not detached), oldest first, optionally of one `stage` and
    added or refreshed at or after `updated_since`."""
    clients = FirmClient.objects.select_related("advisor__user").filter(
        firm=firm, detached_at__isnull=True
    )
    if stage:
        clients = clients.filter(stage=stage)
    if updated_since is not None:
        clients = clients.filter(
            Q(created_at__gte=updated_since) | Q(status_refreshed_at__gte=updated_since)
        )
    return clients.order_by("created_at", "id")


def api_client_get(*, firm: Firm, client_id: uuid.UUID) -> FirmClient | None:
    return (
        FirmClient.objects.select_related("advisor__user")
        .filter(firm=firm, pk=client_id, detached_at__isnull=True)
        .first()
    )


def api_advisor_find(*, firm: Firm, email: str) -> FirmStaff | None:
    """The firm's current staff member whose account has `email`."""
    return (
        FirmStaff.objects.select_related("user")
        .filter(firm=firm, removed_at__isnull=True, user__email__iexact=email.strip())
        .first()
    )
