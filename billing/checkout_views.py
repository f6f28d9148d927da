"""The pricing page and the way from a plan to the payment provider's checkout and back.
Thin: each view asks `memorial_get_for` (the one access check) and calls `billing.checkout`
or `billing.pricing`; a refusal becomes a calm message."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from billing.checkout import (
    AlreadySubscribed,
    CheckoutRefused,
    checkout_payer_check,
    checkout_price,
    checkout_start,
    checkout_state,
    manual_request_record,
    portal_url,
)
from billing.pricing import memberships_payable, money, pricing_plans
from billing.providers import PaymentError, payment_provider
from memorials.selectors import memorial_get_for


def provider_forms_allowed(response: HttpResponse) -> HttpResponse:
    """Let this page's forms end on the provider's hosted pages: a form whose answer
    redirects elsewhere is held to the Content-Security-Policy's form-action."""
    origins = payment_provider().page_origins
    if origins:
        response._csp_update = {"form-action": list(origins)}  # type: ignore[attr-defined]
    return response


@require_GET
def pricing(request: HttpRequest) -> HttpResponse:
    provider = payment_provider()
    response = render(
        request,
        "billing/pricing.html",
        {
            "plans": pricing_plans(),
            "memberships": memberships_payable(user=request.user),  # type: ignore[arg-type]
            "provider": provider,
            "currency_name": settings.BILLING_CURRENCY.upper(),
        },
    )
    return provider_forms_allowed(response)


@login_required
@require_POST
def checkout(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        chosen = uuid.UUID(request.POST.get("memorial", ""))
    except ValueError as error:
        raise Http404 from error
    membership = memorial_get_for(user=request.user, memorial_id=chosen)
    memorial_id = membership.memorial_id
    try:
        price = checkout_price(price_id=request.POST.get("price", ""))
        url = checkout_start(
            membership=membership,
            price=price,
            success_url=request.build_absolute_uri(
                reverse("billing:checkout_return", kwargs={"memorial_id": memorial_id})
            ),
            cancel_url=request.build_absolute_uri(
                reverse("billing:checkout_cancelled", kwargs={"memorial_id": memorial_id})
            ),
        )
    except AlreadySubscribed as error:
        messages.info(request, str(error))
        return redirect("billing:memorial", memorial_id=memorial_id)
    except (CheckoutRefused, PaymentError) as error:
        messages.error(request, str(error))
        return redirect("billing:pricing")
    return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def manual_request(request: AuthenticatedHttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """The offline provider's checkout: says plainly that no money moves here, and records
    the request for staff."""
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id)
    try:
        checkout_payer_check(membership=membership)
        price = checkout_price(price_id=request.GET.get("price") or request.POST.get("price", ""))
    except CheckoutRefused as error:
        messages.error(request, str(error))
        return redirect("billing:pricing")
    if request.method == "POST":
        try:
            manual_request_record(membership=membership, price=price)
        except CheckoutRefused as error:
            messages.error(request, str(error))
            return redirect("billing:pricing")
        return redirect("billing:checkout_return", memorial_id=memorial_id)
    return render(
        request,
        "billing/manual_request.html",
        {
            "memorial": membership.memorial,
            "price": price,
            "amount": money(price.amount_minor, price.currency),
            "provider": payment_provider(),
        },
    )


@login_required
@require_GET
def checkout_return(request: AuthenticatedHttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """Back from checkout: "we are confirming your payment" until the provider's webhook
    lands (the page asks `checkout_state_json`), then the plan in effect."""
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id)
    response = render(
        request,
        "billing/checkout_return.html",
        {
            "memorial": membership.memorial,
            "state": checkout_state(memorial_id=memorial_id),
            "provider": payment_provider(),
        },
    )
    return provider_forms_allowed(response)


@login_required
@require_GET
def checkout_state_json(request: AuthenticatedHttpRequest, memorial_id: uuid.UUID) -> JsonResponse:
    memorial_get_for(user=request.user, memorial_id=memorial_id)
    state = checkout_state(memorial_id=memorial_id)
    return JsonResponse(
        {
            "confirmed": state.confirmed,
            "plan": state.plan_name,
            "status": state.status,
            "status_label": state.status_label,
        }
    )


@login_required
@require_GET
def checkout_cancelled(request: AuthenticatedHttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id)
    return render(request, "billing/checkout_cancelled.html", {"memorial": membership.memorial})


@login_required
@require_POST
def portal(request: AuthenticatedHttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """To the provider's Customer Portal (change card, invoices, cancel), and back."""
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id)
    back = request.build_absolute_uri(membership.memorial.get_absolute_url())
    try:
        return redirect(portal_url(membership=membership, return_url=back))
    except (CheckoutRefused, PaymentError) as error:
        messages.error(request, str(error))
        return redirect(membership.memorial)
