"""Writing and verifying the hash-chained audit log."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core.crypto import master_key
from core.models import AuditEvent

GENESIS = "0" * 64
_CHAIN_LOCK = 7_146_001  # pg advisory lock id: one writer extends the chain at a time


def memorial_ref(memorial_id: uuid.UUID | str) -> str:
    """A stable keyed hash of a memorial id, so the trail can name a memorial without
    keeping its id (which an erasure must leave nowhere)."""
    return hmac.new(master_key(), f"audit:{memorial_id}".encode(), hashlib.sha256).hexdigest()


def _event_hash(event: AuditEvent) -> str:
    payload = {
        "previous": event.previous_hash,
        "memorial": event.memorial_ref,
        "actor": event.actor_ref,
        "actor_label": event.actor_label,
        "action": event.action,
        "data": event.data,
        "at": event.created_at.isoformat(),
    }
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def audit_record(
    *,
    action: str,
    memorial_id: uuid.UUID | str | None = None,
    actor: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. `data` holds ids, scopes and counts, never content."""
    known = actor is not None and actor.is_authenticated
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            memorial_ref=memorial_ref(memorial_id) if memorial_id else "",
            actor_ref=str(actor.pk) if known else "",
            actor_label=str(actor) if known else "",
            action=action,
            data=json.loads(json.dumps(data or {}, default=str)),
            created_at=timezone.now(),
            previous_hash=last or GENESIS,
        )
        event.hash = _event_hash(event)
        event.save()
    return event


def audit_verify() -> AuditEvent | None:
    """The first event whose hash or link does not hold, or None when the chain is whole."""
    previous = GENESIS
    for event in AuditEvent.objects.order_by("id").iterator():
        if event.previous_hash != previous or _event_hash(event) != event.hash:
            return event
        previous = event.hash
    return None


def audit_events_for(*, memorial_id: uuid.UUID | str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(memorial_ref=memorial_ref(memorial_id)).order_by("-id"))


def audit_count() -> int:
    return AuditEvent.objects.count()
