"""Reads: consent documents, each scope's standing for a memorial, and the audit trail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from consent.models import ConsentDocument, ConsentRecord
from core.audit import memorial_ref
from core.consent import ConsentScope
from core.models import AuditEvent


class ConsentDocumentMissing(Exception):
    """No document is published for this scope (the data migration has not run)."""


def consent_document_latest(*, scope: str) -> ConsentDocument:
    document = ConsentDocument.objects.filter(scope=scope).order_by("-version").first()
    if document is None:
        raise ConsentDocumentMissing(f"No consent document is published for “{scope}”.")
    return document


def consent_document_get(*, scope: str, version: int) -> ConsentDocument | None:
    return ConsentDocument.objects.filter(scope=scope, version=version).first()


def consent_record_live(*, memorial_id: uuid.UUID | str, scope: str) -> ConsentRecord | None:
    return (
        ConsentRecord.objects.select_related("document")
        .filter(memorial_id=memorial_id, scope=scope, revoked_at__isnull=True)
        .first()
    )


def consent_records_for(*, memorial_id: uuid.UUID | str) -> QuerySet[ConsentRecord]:
    """Every signature of the memorial, live and ended, newest first."""
    return (
        ConsentRecord.objects.select_related("document", "signer")
        .filter(memorial_id=memorial_id)
        .order_by("-signed_at")
    )


@dataclass(frozen=True)
class ScopeStanding:
    """Where one scope stands for a memorial: for the overview page."""

    scope: str
    label: str
    latest: ConsentDocument | None
    live: ConsentRecord | None
    history: list[ConsentRecord]

    @property
    def outdated(self) -> bool:
        """Signed, but a newer version of the text has been published since."""
        return bool(self.live and self.latest and self.live.document_id != self.latest.pk)

    @property
    def withdrawn(self) -> ConsentRecord | None:
        """The signature the subject withdrew, when that is how it last ended and nothing
        is live now (they may sign it again)."""
        if self.live is not None or not self.history:
            return None
        last = self.history[0]  # newest first
        return last if last.ended_because == ConsentRecord.Ending.REVOKED else None


def consent_overview_for(*, memorial_id: uuid.UUID | str) -> list[ScopeStanding]:
    records = list(consent_records_for(memorial_id=memorial_id))
    latest: dict[str, ConsentDocument] = {}
    for document in ConsentDocument.objects.order_by("scope", "-version"):
        latest.setdefault(document.scope, document)
    return [
        ScopeStanding(
            scope=scope.value,
            label=scope.label,
            latest=latest.get(scope.value),
            live=next((r for r in records if r.scope == scope and r.is_live), None),
            history=[r for r in records if r.scope == scope],
        )
        for scope in ConsentScope
    ]


# --- the audit trail, for people ---------------------------------------------------------

AUDIT_ACTIONS: dict[str, str] = {
    "consent.signed": "signed their consent",
    "consent.revoked": "withdrew their consent",
    "voice.clone_created": "a voice clone was made",
    "voice.clone_deleted": "a voice clone was deleted at the provider",
    "voice.clone_delete_failed": "deleting a voice clone failed; it will be tried again",
    "voice.sample_added": "added a recording of their voice",
    "voice.sample_removed": "deleted a recording of their voice",
    "voice.spoken_consent_recorded": "read their voice consent aloud",
}


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    who: str
    what: str
    detail: str
    action: str


def _audit_detail(event: AuditEvent) -> str:
    data = event.data or {}
    parts = []
    if scope := data.get("scope"):
        try:
            parts.append(str(ConsentScope(scope).label))
        except ValueError:
            parts.append(str(scope))
    if version := data.get("document_version"):
        parts.append(f"version {version}")
    if method := data.get("method"):
        parts.append(dict(ConsentRecord.Method.choices).get(method, method).lower())
    if provider := data.get("provider"):
        parts.append(f"provider {provider}")
    return " · ".join(parts)


def audit_entries_for(*, memorial_id: uuid.UUID | str, limit: int = 500) -> list[AuditEntry]:
    """The memorial's audit trail, newest first, worded for the people who read it."""
    return [
        AuditEntry(
            at=event.created_at,
            who=event.actor_label or "Legacy",
            what=AUDIT_ACTIONS.get(event.action, event.action.replace(".", ": ").replace("_", " ")),
            detail=_audit_detail(event),
            action=event.action,
        )
        for event in AuditEvent.objects.filter(memorial_ref=memorial_ref(memorial_id)).order_by(
            "-id"
        )[:limit]
    ]
