"""The firm's trail: every staff action is one event in the project's hash-chained audit log
(`core.audit`), carrying the firm's id, and the client's memorial's id when there is one, so it
shows in both the firm's trail and the client's memorial audit log."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from core.audit import audit_record
from core.models import AuditEvent
from firms.models import Firm, FirmClient


def firm_audit_record(
    *,
    firm: Firm,
    action: str,
    actor: User | None,
    client: FirmClient | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one firm event (`action` like "firm.client_reminded"; `data` ids and counts,
    never content). On the client's memorial's log too when the client has a memorial."""
    payload = {"firm": str(firm.id), **(data or {})}
    if client is not None:
        payload["client"] = str(client.id)
    return audit_record(
        action=action,
        memorial_id=client.memorial_id if client is not None else None,
        actor=actor,
        data=payload,
    )


def firm_audit_events(*, firm: Firm) -> Any:
    """The firm's trail, oldest first (a queryset: the CSV export streams it)."""
    return AuditEvent.objects.filter(data__firm=str(firm.id)).order_by("id")
