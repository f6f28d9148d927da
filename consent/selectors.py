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
    "billing.payment_failed": "a payment did not go through; the plan holds during the grace",
    "billing.payment_received": "a payment was received; the plan is in effect again",
    "billing.plan_changed": "the plan was changed",
    "billing.status_changed": "the subscription's status changed",
    "billing.lapsed": "the grace ended unpaid: the memorial is on the free plan, nothing deleted",
    "billing.payer_changed": "took over paying for the memorial",
    "billing.marked_paid": "recorded a payment made outside Legacy",
    "billing.extended": "extended the paid period",
    "billing.refunded": "refunded the last payment",
    "billing.cancel_requested": "cancelled the plan at the end of the paid period",
    "billing.checkout_started": "went to pay for a plan on the payment provider's page",
    "billing.plan_requested": "asked Legacy's staff for a plan (this server takes no payments)",
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
    if previous := data.get("previous_plan"):
        parts.append(f"from {previous}")
    if plan := data.get("plan"):
        parts.append(f"plan {plan}")
    if status := data.get("status"):
        parts.append(f"now {status.lower()}")
    if until := data.get("until"):
        parts.append(f"until {until}")
    if days := data.get("days"):
        parts.append(f"{days} days")

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
