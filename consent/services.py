"""Writes: signing a consent document and withdrawing a consent. Subject only, audited."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from consent.models import ConsentRecord
from consent.selectors import consent_document_latest
from consent.signals import consent_revoked, consent_signed
from core.audit import audit_record
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from core.events import EventKind, event_send_on_commit
from core.names import name_clean
from core.tasks import memorial_tasks_withdraw
from memorials.models import Role
from memorials.selectors import memorial_get_for


class ConsentError(Exception):
    """Why a signature or a withdrawal did not happen; the message is shown to the subject."""


class ConsentDocumentChanged(ConsentError):
    """The text shown is no longer the newest version: the newest must be read first."""


def _names_match(typed: str, *expected: str) -> bool:
    def norm(value: str) -> str:
        return " ".join(value.split()).casefold()

    return bool(norm(typed)) and norm(typed) in {norm(name) for name in expected if name}


def consent_sign(
    *,
    user: User,
    memorial_id: uuid.UUID | str,
    scope: str,
    document_sha256: str,
    typed_name: str,
    method: str,
    ip_address: str | None = None,
    user_agent: str = "",
) -> ConsentRecord:
    """The subject signs the newest document of `scope` for their own memorial.

    `method` (a `ConsentRecord.Method`) says how they re-authenticated just before; proving
    it is them is the caller's part (the sign page requires allauth's re-authentication).
    `document_sha256` is the hash of the text they were shown; if a newer version has been
    published since, ConsentDocumentChanged asks them to read that one. A live signature of
    an older version is replaced (ended as superseded); signing again after a withdrawal
    makes a new record. Only the subject may sign: others get MemorialNotFound."""
    membership = memorial_get_for(user=user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    memorial = membership.memorial
    scope = ConsentScope(scope).value
    method = ConsentRecord.Method(method).value
    document = consent_document_latest(scope=scope)
    if document_sha256 != document.sha256:
        raise ConsentDocumentChanged(
            "This text has been updated since you opened it. Please read the new version."
        )
    try:
        typed_name = name_clean(typed_name, label="Your typed name")
    except ValidationError as error:
        raise ConsentError(" ".join(error.messages)) from None
    if not _names_match(typed_name, user.full_name, memorial.name):
        raise ConsentError(f"Please type your full name as “{memorial.name}”.")
    try:
        with transaction.atomic():
            live = (
                ConsentRecord.objects.select_for_update()
                .filter(memorial=memorial, scope=scope, revoked_at__isnull=True)
                .first()
            )
            if live is not None and live.document_id == document.pk:
                raise ConsentError("You have already given this consent.")
            if live is not None:
                live.revoked_at = timezone.now()
                live.ended_because = ConsentRecord.Ending.SUPERSEDED
                live.save(update_fields=["revoked_at", "ended_because"])
            record = ConsentRecord.objects.create(
                memorial=memorial,
                scope=scope,
                document=document,
                document_sha256=document.sha256,
                signer=user,
                typed_name_encrypted=memorial_cipher(memorial_id=memorial.id).encrypt_text(
                    typed_name
                ),
                method=method,
                ip_address=ip_address or None,
                user_agent=(user_agent or "")[:500],
            )
            audit_record(
                action="consent.signed",
                memorial_id=memorial.id,
                actor=user,
                data={
                    "scope": scope,
                    "record": record.id,
                    "document_version": document.version,
                    "document_sha256": document.sha256,
                    "method": method,
                    "replaces": live.id if live is not None else None,
                },
            )
            transaction.on_commit(
                lambda: consent_signed.send(
                    sender=ConsentRecord, memorial_id=memorial.id, scope=scope, record=record
                )
            )
    except IntegrityError:  # two signatures at once: the other one won
        raise ConsentError("You have already given this consent.") from None
    return record


def consent_revoke(*, user: User, memorial_id: uuid.UUID | str, scope: str) -> ConsentRecord:
    """The subject withdraws a consent. It acts at once, and cannot be undone except by
    signing again:

    - the gate refuses the scope from this commit on;
    - queued tasks of the scope are revoked at the workers and told they will not run (an
      upload says it was stopped); running ones stop at their next step, writing nothing
      of it (`core.tasks.memorial_step`);
    - open pages and sockets get a "consent.revoked" event; conversation sockets close;
    - `consent.signals.consent_revoked` lets apps undo what the scope allowed (the voice
      app deletes remote clones).
    """
    membership = memorial_get_for(user=user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    memorial_id = membership.memorial_id
    scope = ConsentScope(scope).value
    with transaction.atomic():
        record = (
            ConsentRecord.objects.select_for_update()
            .filter(memorial_id=memorial_id, scope=scope, revoked_at__isnull=True)
            .first()
        )
        if record is None:
            raise ConsentError("There is no consent to withdraw here.")
        record.revoked_at = timezone.now()
        record.ended_because = ConsentRecord.Ending.REVOKED
        record.save(update_fields=["revoked_at", "ended_because"])
        task_ids = memorial_tasks_withdraw(memorial_id=memorial_id, scope=scope)
        audit_record(
            action="consent.revoked",
            memorial_id=memorial_id,
            actor=user,
            data={"scope": scope, "record": record.id, "tasks_dropped": len(task_ids)},
        )
        event_send_on_commit(
            memorial_id=memorial_id, kind=EventKind.CONSENT_REVOKED, data={"scope": scope}
        )
        transaction.on_commit(
            lambda: consent_revoked.send(
                sender=ConsentRecord, memorial_id=memorial_id, scope=scope, record=record
            )
        )
    return record
