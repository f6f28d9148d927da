"""The firm's client dashboard, its CSV export and bulk reminders (thin: the selectors are in
`firms.dashboard`, who is reminded and the sending in `firms.reminders`)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from firms.access import FirmPower
from firms.dashboard import (
    SORTS,
    DashboardQuery,
    dashboard_clients,
    dashboard_clients_chosen,
    dashboard_csv_rows,
    dashboard_page,
    dashboard_plans,
    dashboard_staff,
    dashboard_stage_counts,
)
from firms.dashboard_forms import DashboardFilterForm
from firms.models import FirmClient, FirmStaff
from firms.reminders import reminders_plan, reminders_start
from firms.status import CONSENTS_EXPECTED
from firms.trail import firm_audit_record
from firms.views_common import firm_view


def _filter_form(
    staff: FirmStaff,
    data: QueryDict,
    everyone: list[FirmStaff] | None = None,
    plans: list[tuple[str, str]] | None = None,
) -> DashboardFilterForm:
    if everyone is None:
        everyone = dashboard_staff(firm=staff.firm)
    return DashboardFilterForm(
        data,
        advisors=[member for member in everyone if member.removed_at is None],
        plans=dashboard_plans() if plans is None else plans,
    )


def _query_string(query: DashboardQuery, **changes: object) -> str:
    """The query string for `query` with `changes` (page, sort...), without empty values."""
    values: dict[str, object] = {
        "search": query.search,
        "advisor": query.advisor,
        "stage": query.stage,
        "plan": query.plan,
        "activation": query.activation,
        "sort": query.sort if query.sort != "name" else "",
        "order": "desc" if query.descending else "",
        "page": query.page if query.page > 1 else "",
    }
    values.update(changes)
    return urlencode({key: value for key, value in values.items() if value})


def _sort_links(query: DashboardQuery) -> list[dict[str, str]]:
    """One header per column: its label, the link that sorts by it (or reverses it), and
    the current direction (for aria-sort)."""
    headers = []
    for key, (label, _) in SORTS.items():
        current = query.sort == key
        descending = not query.descending if current else False
        headers.append(
            {
                "key": key,
                "label": label,
                "query": _query_string(
                    query, sort=key, order="desc" if descending else "", page=""
                ),
                "aria_sort": ("descending" if query.descending else "ascending") if current else "",
            }
        )
    return headers


@firm_view(FirmPower.CLIENTS)
@require_GET
def dashboard(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    everyone = dashboard_staff(firm=staff.firm)
    plans = dashboard_plans()
    form = _filter_form(staff, request.GET, everyone, plans)
    query = form.dashboard_query()
    stage_counts = dashboard_stage_counts(firm=staff.firm)
    page = dashboard_page(
        firm=staff.firm, query=query, staff=everyone, stage_counts=stage_counts, plans=plans
    )
    return render(
        request,
        "firms/dashboard.html",
        {
            "staff": staff,
            "firm": staff.firm,
            "form": form,
            "query": query,
            "page": page,
            "stage_counts": stage_counts,
            "headers": _sort_links(query),
            "filters": _query_string(query, page=""),
            "previous_query": _query_string(query, page=page.page - 1),
            "next_query": _query_string(query, page=page.page + 1),
            "consents_expected": len(CONSENTS_EXPECTED),
            "reminder_days": settings.FIRM_REMINDER_INTERVAL_DAYS,
            "filtered": query.filtered,
        },
    )


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer's output."""

    def write(self, value: str) -> str:
        return value


@firm_view(FirmPower.CLIENTS)
@require_GET
def dashboard_export(request: HttpRequest, staff: FirmStaff) -> StreamingHttpResponse:
    query = _filter_form(staff, request.GET).dashboard_query()
    firm_audit_record(
        firm=staff.firm,
        action="firm.roster_exported",
        actor=staff.user,
        data={"filters": _query_string(query, page="", sort="", order="")},
    )
    writer = csv.writer(_Echo())
    lines: Iterator[str] = (
        writer.writerow(row) for row in dashboard_csv_rows(firm=staff.firm, query=query)
    )
    stamp = timezone.now().strftime("%Y-%m-%d")
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{staff.firm.slug}-clients-{stamp}.csv"'
    )
    return response


def _reminder_clients(staff: FirmStaff, data: QueryDict) -> QuerySet[FirmClient]:
    """The clients a reminder form names: every client matching its filters ("all"), or the
    ticked ones."""
    if data.get("scope") == "all":
        filters = QueryDict(data.get("filters", ""))
        query = _filter_form(staff, filters).dashboard_query()
        return dashboard_clients(firm=staff.firm, query=query)
    return dashboard_clients_chosen(firm=staff.firm, client_ids=data.getlist("client"))


@firm_view(FirmPower.CLIENTS)
@require_POST
def dashboard_reminders(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    """First post: the confirmation (how many will be mailed, how many skipped and why).
    Second post, confirmed: send (at once for a few, through a task for many)."""
    back = reverse("firms:dashboard", kwargs={"slug": staff.firm.slug})
    filters = request.POST.get("filters", "")
    if filters:
        back = f"{back}?{filters}"
    plan = reminders_plan(clients=_reminder_clients(staff, request.POST))
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "firms/reminders_confirm.html",
            {
                "staff": staff,
                "firm": staff.firm,
                "plan": plan,
                "scope": request.POST.get("scope", "selected"),
                "client_ids": request.POST.getlist("client"),
                "filters": filters,
                "back": back,
            },
        )
    if not plan.to_send:
        messages.info(request, "No reminder was sent: none of these clients needs one now.")
        return redirect(back)
    done = reminders_start(staff=staff, client_ids=plan.to_send)
    if done.queued:
        messages.success(
            request,
            f"{done.queued} reminders are on their way; each is sent in {staff.firm.name}'s name.",
        )
    else:
        plural = "s" if done.sent != 1 else ""
        messages.success(request, f"{done.sent} reminder{plural} sent in {staff.firm.name}'s name.")
    return redirect(back)
