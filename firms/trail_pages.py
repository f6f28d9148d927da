"""The firm's trail for its owner to read (`firm_trail_page`) and export (`firm_trail_rows`):
every firm event, who did it, what, when and to which client, in people's words
(`core.audit_labels`). Never content: the events hold ids and counts only."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone

from core.audit_labels import audit_action_label, audit_detail
from core.models import AuditEvent
from firms.models import Firm, FirmClient
from firms.trail import firm_audit_events

TRAIL_PER_PAGE = 50
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


@dataclass(frozen=True)
class TrailFilter:
    """Days in the server's time zone (inclusive) and one client's id; empty means all."""

    since: date | None = None
    until: date | None = None
    client: str = ""


@dataclass(frozen=True)
class TrailEntry:
    at: datetime
    who: str
    what: str
    detail: str
    client: str
    action: str


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def trail_filter_from(params: Any) -> TrailFilter:
    """The filter from the page's query string (a bad date or id is ignored)."""
    client = (params.get("client") or "").strip()
    try:
        client = str(uuid.UUID(client)) if client else ""
    except ValueError:
        client = ""
    return TrailFilter(
        since=_date(params.get("since")), until=_date(params.get("until")), client=client
    )


def _events(*, firm: Firm, narrow: TrailFilter) -> QuerySet[AuditEvent]:
    events = firm_audit_events(firm=firm)
    if narrow.since:
        events = events.filter(created_at__gte=_day_start(narrow.since))
    if narrow.until:
        events = events.filter(created_at__lt=_day_start(narrow.until + timedelta(days=1)))
    if narrow.client:
        events = events.filter(data__client=narrow.client)
    return events


def _entry(event: AuditEvent, names: dict[str, str]) -> TrailEntry:
    data = dict(event.data or {})
    client_id = str(data.pop("client", "") or "")
    data.pop("firm", None)
    return TrailEntry(
        at=event.created_at,
        who=event.actor_label or "Legacy",
        what=audit_action_label(event.action),
        detail=audit_detail(data, scope_labels={}),
        client=names.get(client_id, "a client no longer listed" if client_id else ""),
        action=event.action,
    )


def _names(*, firm: Firm, ids: Iterable[str]) -> dict[str, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = FirmClient.objects.filter(firm=firm, pk__in=wanted).values_list("pk", "name")
    return {str(pk): name for pk, name in rows}


def firm_trail_page(
    *, firm: Firm, narrow: TrailFilter, page: int | str = 1
) -> tuple[Page[AuditEvent], list[TrailEntry]]:
    """One page of the trail, newest first (three queries: count, page, client names)."""
    current = Paginator(_events(firm=firm, narrow=narrow).order_by("-id"), TRAIL_PER_PAGE).get_page(
        page
    )
    events = list(current.object_list)
    names = _names(firm=firm, ids=(str((e.data or {}).get("client") or "") for e in events))
    return current, [_entry(event, names) for event in events]


def firm_trail_clients(*, firm: Firm) -> list[tuple[str, str]]:
    """Every client on the roster, ever (id, name), for the page's filter."""
    return [
        (str(pk), name)
        for pk, name in FirmClient.objects.filter(firm=firm).values_list("pk", "name")
    ]


def firm_trail_rows(*, firm: Firm, narrow: TrailFilter) -> Iterator[list[str]]:
    """The whole trail (as narrowed), oldest first, as CSV rows: read in chunks, so a long
    trail streams without being held in memory."""
    names = dict(firm_trail_clients(firm=firm))
    yield ["when (UTC)", "who", "what", "client", "detail", "action"]
    for event in _events(firm=firm, narrow=narrow).iterator(chunk_size=500):
        entry = _entry(event, names)
        yield [
            csv_cell(value)
            for value in (
                entry.at.astimezone(UTC).isoformat(timespec="seconds"),
                entry.who,
                entry.what,
                entry.client,
                entry.detail,
                entry.action,
            )
        ]
