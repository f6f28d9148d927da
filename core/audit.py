"""Writing and verifying the hash-chained audit log, and signing its head at checkpoints.

The chain alone shows a row edited or deleted in the middle, but not the last rows deleted,
nor the whole chain rewritten with recomputed hashes: checkpoints do. Each signs (Ed25519,
`core.signing`) the head event's id and hash and the number of events up to it; exports and
erasure certificates carry one. `audit_verify` then also needs every checkpoint's head to be
in the chain as signed. Events after the newest checkpoint are only as safe as the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core.crypto import master_key
from core.models import AuditCheckpoint, AuditEvent
from core.signing import SignedCertificate, certificate_sign, certificate_verify

GENESIS = "0" * 64
_CHAIN_LOCK = 7_146_001  # pg advisory lock id: one writer extends the chain at a time
CHECKPOINT_KIND = "legacy.audit_checkpoint"


def memorial_ref(memorial_id: uuid.UUID | str) -> str:
    """A stable keyed hash of a memorial id, so the trail can name a memorial without
    keeping its id (which an erasure must leave nowhere)."""
    return hmac.new(master_key(), f"audit:{memorial_id}".encode(), hashlib.sha256).hexdigest()


def audit_event_hash(event: AuditEvent) -> str:
    """The hash an event must carry: over its fields and its predecessor's hash."""
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
        event.hash = audit_event_hash(event)
        event.save()
    return event


def checkpoint_body(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    """What a checkpoint's signature covers."""
    return {
        "kind": CHECKPOINT_KIND,
        "event_id": checkpoint.event_id,
        "head_hash": checkpoint.head_hash,
        "event_count": checkpoint.event_count,
        "created_at": checkpoint.created_at.isoformat(),
    }


def audit_checkpoint_sign() -> AuditCheckpoint:
    """Sign the chain's head as it stands (committed with the caller's transaction)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        head = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
        checkpoint = AuditCheckpoint(
            event_id=head[0] if head else 0,
            head_hash=head[1] if head else GENESIS,
            event_count=AuditEvent.objects.count(),
            created_at=timezone.now(),
        )
        signed = certificate_sign(certificate=checkpoint_body(checkpoint))
        checkpoint.signature, checkpoint.public_key = signed.signature, signed.public_key
        checkpoint.save()
    return checkpoint


def _signed(checkpoint: AuditCheckpoint) -> SignedCertificate:
    return SignedCertificate(
        certificate=checkpoint_body(checkpoint),
        signature=checkpoint.signature,
        public_key=checkpoint.public_key,
    )


def audit_checkpoint_document(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    """The checkpoint as exports and certificates carry it: what was signed ("checkpoint"),
    the algorithm, the signature and the public key, as `core.signing` lays them out."""
    document = _signed(checkpoint).document()
    return {"checkpoint": document.pop("certificate"), **document}


@dataclass(frozen=True)
class AuditProblem:
    """The first thing `audit_verify` found wrong, said for a person."""

    message: str
    event_id: int | None = None
    checkpoint_id: int | None = None


def _event_problem(event: AuditEvent, why: str) -> AuditProblem:
    return AuditProblem(
        f"event {event.pk} at {event.created_at.isoformat()} ({event.action}) {why}",
        event_id=event.pk,
    )


def _checkpoint_problem(checkpoint: AuditCheckpoint, why: str) -> AuditProblem:
    name = f"checkpoint {checkpoint.pk}" if checkpoint.pk else "the carried checkpoint"
    return AuditProblem(
        f"{name} of {checkpoint.created_at.isoformat()} "
        f"(event {checkpoint.event_id}, {checkpoint.event_count} events) {why}",
        event_id=checkpoint.event_id or None,
        checkpoint_id=checkpoint.pk,
    )


def _carried(document: dict[str, Any]) -> AuditCheckpoint:
    """A checkpoint document (`audit_checkpoint_document`), or an erasure certificate
    document or export manifest that carries one, as an unsaved checkpoint."""
    if "checkpoint" not in document:
        body = document.get("certificate", document)
        document = body["audit_checkpoint"]
    body = document["checkpoint"]
    if body.get("kind") != CHECKPOINT_KIND:
        raise ValueError("not an audit checkpoint")
    return AuditCheckpoint(
        event_id=int(body["event_id"]),
        head_hash=str(body["head_hash"]),
        event_count=int(body["event_count"]),
        created_at=datetime.fromisoformat(body["created_at"]),
        signature=str(document["signature"]),
        public_key=str(document["public_key"]),
    )


def audit_verify(*, carried: Iterable[dict[str, Any]] = ()) -> AuditProblem | None:
    """The first problem, or None when the log proves itself: every checkpoint is signed by
    this server's key; every event's hash and link hold; every checkpoint's head event is
    there with the hash it signed, and the events up to it are as many as it counted.

    `carried`: checkpoints kept elsewhere (an erasure certificate, an export's manifest), held
    to the same test, so the log cannot be cut back behind them even with its checkpoints."""
    checkpoints = list(AuditCheckpoint.objects.order_by("id"))
    for document in carried:
        try:
            checkpoints.append(_carried(document))
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            return AuditProblem(f"a carried checkpoint is not one: {error!r}")
    heads: dict[int, list[AuditCheckpoint]] = defaultdict(list)
    for checkpoint in checkpoints:
        verdict = certificate_verify(document=_signed(checkpoint).document())
        if not verdict.signed_by_this_server:
            return _checkpoint_problem(checkpoint, f"is not valid: {verdict.reason}")
        heads[checkpoint.event_id].append(checkpoint)
    previous, count = GENESIS, 0
    for checkpoint in heads.pop(0, []):
        if checkpoint.event_count != 0 or checkpoint.head_hash != GENESIS:
            return _checkpoint_problem(checkpoint, "does not describe an empty log")
    for event in AuditEvent.objects.order_by("id").iterator():
        if event.previous_hash != previous or audit_event_hash(event) != event.hash:
            return _event_problem(event, "does not match its hash or its predecessor")
        previous, count = event.hash, count + 1
        for checkpoint in heads.pop(event.pk, []):
            if checkpoint.head_hash != event.hash:
                return _checkpoint_problem(
                    checkpoint, "signed another hash for this event: the log was rewritten"
                )
            if checkpoint.event_count != count:
                return _checkpoint_problem(
                    checkpoint, f"counted other events up to it than the {count} there now"
                )
    if heads:  # heads never met in the walk
        return _checkpoint_problem(
            heads[min(heads)][0], "names an event that is not in the log: events were deleted"
        )
    return None


def audit_events_for(*, memorial_id: uuid.UUID | str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(memorial_ref=memorial_ref(memorial_id)).order_by("-id"))


def audit_count() -> int:
    return AuditEvent.objects.count()


def audit_checkpoint_count() -> int:
    return AuditCheckpoint.objects.count()
