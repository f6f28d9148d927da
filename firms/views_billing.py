"""The firm's billing pages (power BILLING): its plan and seats, the way to pay (the offline
provider's request; with a paying provider, its checkout for the firm plan with the seat
count, sending the seat count again, and its portal to change payment details), the monthly
statement and its CSV; and the trail (power TRAIL_EXPORT: the owner) with its CSV. Thin: the
access check is `firm_view`, the work is in `firms.seats`, `firms.statement` and
`firms.trail_pages`."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from billing.checkout_views import provider_forms_allowed
from billing.providers import PaymentError
from firms.access import FirmPower
from firms.firm_plan import firm_checkout_start, firm_plan_live, firm_seats_send
from firms.models import FirmStaff
from firms.seats import firm_portal_url, firm_seats_request
from firms.statement import (
    firm_billing_overview,
    firm_statement,
    month_parse,
    statement_csv_rows,
    statement_months,
)
from firms.trail import firm_audit_record
from firms.trail_pages import (
    csv_cell,
    firm_trail_clients,
    firm_trail_page,
    firm_trail_rows,
    trail_filter_from,
)
from firms.views_common import firm_view


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_stream(rows: Iterable[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


def _csv_response(rows: Iterable[list[str]], *, filename: str) -> HttpResponse:
    """A streamed CSV download (typed as the HttpResponse `firm_view` passes on)."""
    response = StreamingHttpResponse(_csv_stream(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return cast(HttpResponse, response)


@firm_view(FirmPower.BILLING)
@require_GET
def billing(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    overview = firm_billing_overview(firm=staff.firm)
    context = {
        "staff": staff,
        "overview": overview,
        "plan_live": firm_plan_live(overview.subscription),
        "checkout": request.GET.get("checkout", ""),
    }
    return provider_forms_allowed(render(request, "firms/billing/billing.html", context))


@firm_view(FirmPower.BILLING)
@require_POST
def billing_request(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    """The offline provider: ask Legacy's staff to set up the firm plan."""
    try:
        firm_seats_request(firm=staff.firm, actor=staff.user)
    except PaymentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "Legacy's staff have your request. They will be in touch to arrange payment; "
            "your clients' memorials keep everything meanwhile.",
        )
    return redirect("firms:billing", slug=staff.firm.slug)


@firm_view(FirmPower.BILLING)
@require_POST
def billing_checkout(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    """To the payment provider's checkout for the firm plan, one seat per client paid for."""
    back = request.build_absolute_uri(reverse("firms:billing", kwargs={"slug": staff.firm.slug}))
    try:
        url = firm_checkout_start(
            firm=staff.firm,
            actor=staff.user,
            success_url=f"{back}?checkout=done",
            cancel_url=f"{back}?checkout=cancelled",
        )
    except PaymentError as error:
        messages.error(request, str(error))
        return redirect("firms:billing", slug=staff.firm.slug)
    return provider_forms_allowed(redirect(url))


@firm_view(FirmPower.BILLING)
@require_POST
def billing_seats(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    """Send the firm's seat count to the payment provider now."""
    try:
        sub = firm_seats_send(firm=staff.firm, actor=staff.user)
    except PaymentError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"The payment provider now has {sub.quantity} seat{pluralize(sub.quantity)}."
        )
    return redirect("firms:billing", slug=staff.firm.slug)


@firm_view(FirmPower.BILLING)
@require_POST
def billing_portal(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    """To the payment provider's page, to change the firm's payment details."""
    back = request.build_absolute_uri(reverse("firms:billing", kwargs={"slug": staff.firm.slug}))
    try:
        url = firm_portal_url(firm=staff.firm, actor=staff.user, return_url=back)
    except PaymentError as error:
        messages.error(request, str(error))
        return redirect("firms:billing", slug=staff.firm.slug)
    return provider_forms_allowed(redirect(url))


@firm_view(FirmPower.BILLING)
@require_GET
def statement(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    month = month_parse(request.GET.get("month"))
    context = {
        "staff": staff,
        "statement": firm_statement(firm=staff.firm, month=month),
        "months": statement_months(firm=staff.firm),
    }
    return render(request, "firms/billing/statement.html", context)


@firm_view(FirmPower.BILLING)
@require_GET
def statement_csv(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    month = month_parse(request.GET.get("month"))
    found = firm_statement(firm=staff.firm, month=month)
    firm_audit_record(
        firm=staff.firm,
        action="firm.statement_exported",
        actor=staff.user,
        data={"month": f"{month:%Y-%m}"},
    )
    rows = ([csv_cell(value) for value in row] for row in statement_csv_rows(found))
    return _csv_response(rows, filename=f"{staff.firm.slug}-statement-{month:%Y-%m}.csv")


@firm_view(FirmPower.TRAIL_EXPORT)
@require_GET
def trail(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    narrow = trail_filter_from(request.GET)
    page, entries = firm_trail_page(firm=staff.firm, narrow=narrow, page=request.GET.get("page", 1))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "staff": staff,
        "page": page,
        "entries": entries,
        "narrow": narrow,
        "clients": firm_trail_clients(firm=staff.firm),
        "query": query.urlencode(),
    }
    return render(request, "firms/trail.html", context)


@firm_view(FirmPower.TRAIL_EXPORT)
@require_GET
def trail_csv(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    narrow = trail_filter_from(request.GET)
    firm_audit_record(firm=staff.firm, action="firm.trail_exported", actor=staff.user)
    return _csv_response(
        firm_trail_rows(firm=staff.firm, narrow=narrow), filename=f"{staff.firm.slug}-trail.csv"
    )
