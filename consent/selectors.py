"""Reads: consent documents, each scope's standing for a memorial, and the audit trail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone

from consent.models import ConsentDocument, ConsentRecord
from core.audit import memorial_ref
from core.audit_labels import (
    ACTIONS as AUDIT_LABELLED,
)
from core.audit_labels import (
    audit_action_kind,
    audit_action_label,
    audit_detail,
    audit_kind_actions,
)
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

AUDIT_PER_PAGE = 50


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    who: str
    what: str
    detail: str
    action: str
    kind: str


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page narrows the log to: a kind of action (`core.audit_labels`), one
    person ("legacy": Legacy itself), days in the reader's time zone; empty means all."""

    kind: str = ""
    who: str = ""
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class AuditActor:
    key: str  # the user's id, or "legacy"
    label: str


def _audit_detail(event: AuditEvent) -> str:
    data = event.data or {}
    detail = audit_detail(data, scope_labels=dict(ConsentScope.choices))
    if method := data.get("method"):
        method_label = dict(ConsentRecord.Method.choices).get(method, method).lower()
        detail = " · ".join(part for part in (detail, method_label) if part)
    return detail


def _audit_entry(event: AuditEvent) -> AuditEntry:
    return AuditEntry(
        at=event.created_at,
        who=event.actor_label or "Legacy",
        what=audit_action_label(event.action),
        detail=_audit_detail(event),
        action=event.action,
        kind=audit_action_kind(event.action),
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _audit_events(*, memorial_id: uuid.UUID | str, narrow: AuditFilter) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(memorial_ref=memorial_ref(memorial_id))
    if narrow.kind == "other":
        events = events.exclude(action__in=list(AUDIT_LABELLED))
    elif narrow.kind:
        events = events.filter(action__in=audit_kind_actions(narrow.kind))
    if narrow.who == "legacy":
        events = events.filter(actor_ref="")
    elif narrow.who:
        events = events.filter(actor_ref=narrow.who)
    if narrow.since:
        events = events.filter(created_at__gte=_day_start(narrow.since))
    if narrow.until:
        events = events.filter(created_at__lt=_day_start(narrow.until + timedelta(days=1)))
    return events.order_by("-id")


def audit_page_for(
    *, memorial_id: uuid.UUID | str, narrow: AuditFilter | None = None, page: int | str = 1
) -> tuple[Page[AuditEvent], list[AuditEntry]]:
    """One page of the memorial's audit trail, newest first, narrowed as asked, worded for
    the people who read it (two queries: the count and the page)."""
    current = Paginator(
        _audit_events(memorial_id=memorial_id, narrow=narrow or AuditFilter()), AUDIT_PER_PAGE
    ).get_page(page)
    return current, [_audit_entry(event) for event in current.object_list]


def audit_actors_for(*, memorial_id: uuid.UUID | str) -> list[AuditActor]:
    """Everyone who appears in the memorial's trail, by the name it last recorded for them
    (Legacy itself, for what no person did, first)."""
    rows = list(
        AuditEvent.objects.filter(memorial_ref=memorial_ref(memorial_id))
        .order_by("actor_ref", "-id")
        .distinct("actor_ref")
        .values_list("actor_ref", "actor_label")
    )
    people = sorted(
        (AuditActor(key=ref, label=label) for ref, label in rows if ref),
        key=lambda actor: actor.label.lower(),
    )
    legacy = [AuditActor(key="legacy", label="Legacy")] if any(not ref for ref, _ in rows) else []
    return legacy + people
