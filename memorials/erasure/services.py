"""The kill switch: erase a memorial and leave only a tombstone and a signed certificate.

Order matters, and each step is committed on its own, so a crash part way leaves the
memorial unreadable and a second call finishes the job (until the certificate is stored:
after that a second call returns it, and a holder that failed, shown on it with what is left,
is not tried again automatically; that retry is still to be built):

1. count what every holder keeps (for the certificate);
2. destroy the memorial's data key (crypto-shredding), committed at once;
3. revoke the memorial's tracked Celery tasks (every memorial task is queued through
   `core.tasks.MemorialTask.enqueue`); a task the revoke misses refuses to start (its
   memorial's key is destroyed), or stops at its next step (`core.tasks.memorial_step`
   finds no consent record any more), and its ciphertext cannot be opened (KeyDestroyed);
4. run every registered holder's erase (files, rows, vectors, remote copies), each in its
   own savepoint: a failure is recorded on the certificate, never hidden, and the rest go on;
   then recompute the database's statistics and, where it may, force a checkpoint and a WAL
   switch (`core.database.database_scrub`), so no sample of the rows stays in pg_stats;
5. the Memorial row becomes a tombstone (state `erased`; its name, encrypted with the
   destroyed key, reads "Erased memorial"), the audit log's head
   is signed (a checkpoint, carried by the certificate), the certificate is signed and
   stored, "memorial.erased" is audited, and on commit the memorial's sockets are told
   "erased" (and close) and its stewards and family are sent a gentle mail
   (`memorials.erasure.notices`; who they are is read before step 2, as memberships go).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.audit import audit_checkpoint_document, audit_checkpoint_sign, audit_record
from core.crypto import memorial_key_destroy
from core.database import database_scrub
from core.events import EventKind, event_send_on_commit
from core.holders import DataHolder, holder_count, holders
from core.signing import (
    SignedCertificate,
    certificate_sign,
    public_key_fingerprint,
    public_key_text,
)
from core.tasks import memorial_tasks_take, tasks_revoke
from memorials.erasure.notices import erasure_audience, erasure_notice_send_on_commit
from memorials.models import ErasureCertificate, Membership, Memorial, MemorialState
from memorials.services import memorial_transition

logger = logging.getLogger(__name__)

CERTIFICATE_KIND = "legacy.erasure_certificate"


def _tasks_revoke(memorial_id: uuid.UUID) -> dict[str, Any]:
    """Revoke every tracked task of the memorial, whatever its scope. A task the revoke
    misses stops as it starts (the memorial's key is destroyed), or at its next step (the
    consent records its steps hold are erased)."""
    task_ids = memorial_tasks_take(memorial_id=memorial_id)
    if not tasks_revoke(task_ids):
        return {"revoked": 0, "error": "the task queue could not be reached"}
    return {"revoked": len(task_ids)}


def _holder_erase(holder: DataHolder, memorial_id: uuid.UUID, before: int | None) -> dict:
    outcome: dict[str, Any] = {"name": holder.name, "label": holder.label, "before": before}
    try:
        with transaction.atomic():
            erased = holder.erase(memorial_id)
        outcome.update(status="erased", erased=int(erased))
        if details := getattr(erased, "details", None):
            outcome["details"] = details
    except Exception as error:
        # Only the error's kind: its message might quote content.
        logger.exception("data holder %s failed to erase", holder.name)
        outcome.update(status="failed", erased=None, error=type(error).__name__)
    outcome["after"] = holder_count(holder, memorial_id)
    return outcome


def _actor_role(memorial_id: uuid.UUID, actor: User | None) -> str:
    if not getattr(actor, "is_authenticated", False):
        return "system"  # e.g. a sunset whose wishes say "erase everything"
    role = (
        Membership.objects.filter(memorial_id=memorial_id, user=actor)
        .values_list("role", flat=True)
        .first()
    )
    return role or "staff"


# Said plainly on every certificate, as in the README: what could not be encrypted at rest.
SEARCH_STRUCTURES_NOTE = (
    "Search structures could not be encrypted and still be searched; they were keyed to the "
    "memorial's key instead, and deleted with their rows above: full-text words as keyed "
    "tokens without positions, embedding vectors through a rotation drawn from the memorial's "
    "key (obfuscation, not encryption: distances between them stay as they were), file digests "
    "as keyed hashes. Names, addresses and file names were encrypted with the key. Without "
    "the destroyed key, copies of them in earlier backups cannot be read back into words."
)


# What the kill switch cannot reach, said plainly on every certificate.
BACKUPS_NOTE = (
    "Backups and copies of the database made before this erasure still hold this memorial's "
    "rows, but only as ciphertext and keyed search tokens: without the data key, destroyed "
    "above, they cannot be read. Legacy cannot delete copies it does not hold."
)


def _database_scrub() -> dict[str, Any]:
    try:
        return database_scrub()
    except Exception as error:  # recorded on the certificate, never hidden
        logger.exception("the database could not be scrubbed after an erasure")
        return {"statistics_recomputed": False, "error": type(error).__name__}


def memorial_erase(*, memorial: Memorial, actor: User | None, reason: str) -> ErasureCertificate:
    """Pull the kill switch. `reason` is a short, content-free phrase for the certificate
    (e.g. "kill switch pulled by the subject"). Returns the stored, signed certificate;
    on a memorial already erased, returns its certificate."""
    existing = ErasureCertificate.objects.filter(memorial_id=memorial.pk).first()
    if existing is not None:
        return existing
    memorial_id = memorial.pk
    started_at = timezone.now()
    actor_role = _actor_role(memorial_id, actor)
    ordered = holders()
    before = {holder.name: holder_count(holder, memorial_id) for holder in ordered}
    audience = erasure_audience(memorial=memorial, actor=actor)

    # 2. Crypto-shred first, and commit it: from here on the content is unreadable.
    with transaction.atomic():
        Memorial.objects.select_for_update().get(pk=memorial_id)
        key_destroyed = memorial_key_destroy(memorial_id=memorial_id)
    key_destroyed_at = timezone.now()

    # 3. Stop background work; 4. erase what every holder keeps, then what the database
    # keeps beside the rows (statistics, the current WAL).
    tasks = _tasks_revoke(memorial_id)
    outcomes = [_holder_erase(holder, memorial_id, before[holder.name]) for holder in ordered]
    database = _database_scrub()

    # 5. Tombstone, certificate, audit; sockets after commit.
    with transaction.atomic():
        tombstone = Memorial.objects.select_for_update().get(pk=memorial_id)
        if tombstone.state != MemorialState.ERASED:
            memorial_transition(memorial=tombstone, to=MemorialState.ERASED)
        late_tasks = _tasks_revoke(memorial_id)  # anything queued while we erased
        tasks["revoked"] += late_tasks.get("revoked", 0)
        certificate_id = uuid.uuid4()
        checkpoint = audit_checkpoint_sign()
        signed = certificate_sign(
            certificate={
                "kind": CERTIFICATE_KIND,
                "version": 1,
                "certificate_id": str(certificate_id),
                "memorial_id": str(memorial_id),
                "erased_by_role": actor_role,
                "reason": reason,
                "requested_at": started_at.isoformat(),
                "key_destroyed_at": key_destroyed_at.isoformat(),
                "completed_at": timezone.now().isoformat(),
                "data_key": {
                    "destroyed": key_destroyed,
                    "method": "crypto-shredding: the memorial's AES-256 data key is forgotten, "
                    "so every copy of its encrypted content, backups included, is unreadable",
                },
                "search_structures": SEARCH_STRUCTURES_NOTE,
                "database": database,
                "backups": BACKUPS_NOTE,
                "tasks": tasks,
                "data": outcomes,
                "complete": all(o["status"] == "erased" and o["after"] == 0 for o in outcomes),
                "signing_key": public_key_fingerprint(public_key_text()),
                "audit_checkpoint": audit_checkpoint_document(checkpoint),
            }
        )
        certificate = ErasureCertificate.objects.create(
            id=certificate_id,
            memorial=tombstone,
            erased_by=actor if getattr(actor, "is_authenticated", False) else None,
            body=signed.certificate,
            signature=signed.signature,
            public_key=signed.public_key,
        )
        audit_record(
            action="memorial.erased",
            memorial_id=memorial_id,
            actor=actor,
            data={
                "certificate": str(certificate_id),
                "kinds": len(outcomes),
                "failed": [o["name"] for o in outcomes if o["status"] != "erased"],
                "complete": signed.certificate["complete"],
            },
        )
        event_send_on_commit(memorial_id=memorial_id, kind=EventKind.ERASED, data={})
        erasure_notice_send_on_commit(audience=audience, certificate_id=certificate_id)
    memorial.state = tombstone.state
    return certificate


def erasure_certificate_document(*, certificate: ErasureCertificate) -> dict[str, Any]:
    """The downloadable JSON document: certificate, algorithm, signature, public key."""
    return SignedCertificate(
        certificate=certificate.body,
        signature=certificate.signature,
        public_key=certificate.public_key,
    ).document()
