"""A memorial's billing page (plan, this period's use, next payment, invoices, change plan,
cancel, take over the payment), the page that says what a change of plan pauses before it
happens, and the memorial page's plan card. Logic lives in billing.services and
billing.overview."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from billing.checkout_views import provider_forms_allowed
from billing.entitlements import PAID, plan_effective
from billing.models import FREE_PLAN, Plan, PlanAudience, Price, Subscription, SubscriptionStatus
from billing.overview import money, plan_change_preview, plan_overview, reader_for
from billing.providers import Invoice, PaymentError, payment_provider
from billing.selectors import payer_for, subscription_get
from billing.services import (
    GRACE_STATUSES,
    PAID_STATUSES,
    PayerRefused,
    PlanChangeOutcome,
    payer_take_over_allowed,
    plan_change_needs_payment,
    plan_change_price,
    subscription_cancel,
    subscription_payer_take_over,
    subscription_plan_change,
)
from memorials.models import Membership, Role
from memorials.naming import memorial_place
from memorials.selectors import memorial_get_for

logger = logging.getLogger(__name__)

MEMBERS = [Role.SUBJECT, Role.STEWARD, Role.FAMILY]
LIVE = PAID_STATUSES | GRACE_STATUSES  # a subscription whose plan can be changed
PRICING_PATH = "/pricing/"  # the public pricing page (billing's checkout side)


def _provider_label() -> str:
    try:
        return payment_provider().label
    except Exception:  # not configured here: the page still shows the plan
        logger.exception("the payment provider could not be set up")
        return "No payment provider is set up on this server."


def _is_payer(membership: Membership) -> bool:
    payer = payer_for(memorial=membership.memorial)
    return payer is not None and payer.pk == membership.user_id


def _may_take_over(membership: Membership, status: str) -> bool:
    return not _is_payer(membership) and payer_take_over_allowed(
        role=membership.role, memorial=membership.memorial, status=status
    )


def _invoices(customer_id: str) -> tuple[list[Invoice], str]:
    if not customer_id:
        return [], ""
    try:
        return payment_provider().invoices(customer_id=customer_id), ""
    except PaymentError as error:
        return [], str(error)


@login_required
def billing_page(request: AuthenticatedHttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=MEMBERS)
    memorial = membership.memorial
    sub = subscription_get(memorial_id=memorial.id)
    overview = plan_overview(memorial.id, reader=reader_for(membership))
    payer = payer_for(memorial=memorial)
    is_payer = payer is not None and payer.pk == request.user.pk
    invoices, invoices_error = (
        _invoices(sub.provider_customer_id) if sub is not None and is_payer else ([], "")
    )
    invoice_rows = [
        {**vars(invoice), "amount": money(invoice.amount_minor, invoice.currency)}
        for invoice in invoices
    ]
    current = plan_effective(memorial.id)
    plans = Plan.objects.filter(active=True, public=True, audience=PlanAudience.PERSONAL)
    context: dict[str, Any] = {
        "memorial": memorial,
        "membership": membership,
        "subscription": sub,
        "overview": overview,
        "payer": payer,
        "is_payer": is_payer,
        "may_take_over": _may_take_over(membership, sub.status if sub else ""),
        "invoices": invoice_rows,
        "invoices_error": invoices_error,
        "provider_label": _provider_label(),
        "provider": payment_provider(),
        "plans": [plan for plan in plans if plan.pk != current.pk],
        "current_plan": current,
        "pricing_path": PRICING_PATH,
        "next_amount": (
            f"{money(sub.price.amount_minor * sub.quantity, sub.price.currency)} "
            f"({sub.price.get_interval_display().lower()})"
            if sub is not None and sub.price is not None
            else ""
        ),
        "next_due": sub is not None and sub.status in PAID_STATUSES,  # not overdue already
        "paid": sub is not None and sub.status in (SubscriptionStatus.ACTIVE,
                                                   SubscriptionStatus.TRIALING,
                                                   SubscriptionStatus.PAST_DUE,
                                                   SubscriptionStatus.UNPAID),
    }  # fmt: skip
    return provider_forms_allowed(render(request, "billing/memorial.html", context))


@login_required
@require_http_methods(["GET", "POST"])
def plan_change_page(
    request: AuthenticatedHttpRequest, memorial_id: uuid.UUID, code: str
) -> HttpResponse:
    """What moving to plan `code` does, said before it happens; POST makes the change (the
    payer of a paid subscription only; otherwise checkout, on the pricing page)."""
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=MEMBERS)
    memorial = membership.memorial
    target = get_object_or_404(Plan, code=code, active=True)
    current = plan_effective(memorial.id)
    change = plan_change_preview(
        memorial_id=memorial.id, current=current, target=target, reader=reader_for(membership)
    )
    sub = subscription_get(memorial_id=memorial.id)
    is_payer = _is_payer(membership)
    to_free = target.code == FREE_PLAN  # leaving a paid plan is cancelling it
    live = sub is not None and sub.status in LIVE
    can_change = live and sub is not None and bool(sub.price_id) and is_payer and not to_free
    back = reverse("billing:memorial", args=[memorial.id])
    if request.method == "POST":
        if not can_change or sub is None:
            messages.error(request, "Only the payer can change the plan of a paid memorial.")
            return redirect(back)
        try:
            outcome = subscription_plan_change(subscription=sub, plan=target, actor=request.user)
        except PaymentError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _changed_message(outcome, memorial_place(memorial), target.name)
            )
        return redirect(back)
    price = _change_price(sub, target) if can_change and sub is not None else None
    return render(
        request,
        "billing/plan_change.html",
        {
            "memorial": memorial,
            "current": current,
            "target": target,
            "change": change,
            "can_change": can_change and price is not None,
            "to_free": to_free,
            "can_cancel": sub is not None and is_payer and sub.status in PAID,
            "price": price
            or Price.objects.filter(plan=target, active=True).order_by("-interval").first(),
            "needs_payment": (
                price is not None
                and sub is not None
                and plan_change_needs_payment(subscription=sub, price=price)
            ),
            "manual": sub is not None and _paid_by_hand(sub),
            "price_amount": money(price.amount_minor, price.currency) if price else "",
            "subscription": sub,
            "pricing_path": PRICING_PATH,
        },
    )


def _paid_by_hand(sub: Subscription) -> bool:
    """The offline provider's subscription: staff mark it paid, nothing moves at once."""
    return sub.provider == "manual" and not sub.provider_subscription_id


def _change_price(sub: Subscription, target: Plan) -> Price | None:
    try:
        return plan_change_price(subscription=sub, plan=target)
    except PaymentError:
        return None


def _changed_message(outcome: PlanChangeOutcome, place: str, plan: str) -> str:
    if outcome == PlanChangeOutcome.REQUESTED:
        return (
            f"Your request for {plan} is with Legacy's staff. They will be in touch to "
            f"arrange the payment; {plan} starts as soon as it is paid. Until then nothing "
            f"changes."
        )
    return f"{place} is now on {plan}."


@login_required
@require_http_methods(["GET", "POST"])
def cancel_page(request: AuthenticatedHttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=MEMBERS)
    memorial = membership.memorial
    sub = subscription_get(memorial_id=memorial.id)
    back = reverse("billing:memorial", args=[memorial.id])
    if sub is None or not _is_payer(membership):
        messages.error(request, "Only the payer can cancel the plan.")
        return redirect(back)
    free = Plan.objects.get(code=FREE_PLAN)
    change = plan_change_preview(
        memorial_id=memorial.id, current=sub.plan, target=free, reader=reader_for(membership)
    )
    if request.method == "POST":
        try:
            subscription_cancel(subscription=sub, actor=request.user)
        except PaymentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Cancelled: the plan stays until the end of the paid period.")
        return redirect(back)
    return render(
        request,
        "billing/cancel.html",
        {"memorial": memorial, "subscription": sub, "change": change, "free": free},
    )


@login_required
@require_POST
def take_over(request: AuthenticatedHttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """A steward or family member keeps the memorial going: they pay from now on."""
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=MEMBERS)
    try:
        subscription_payer_take_over(memorial=membership.memorial, user=request.user)
    except PayerRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"Thank you. You now pay for {membership.memorial.name}'s memorial; "
            f"everyone else in it has been told.",
        )
    return redirect("billing:memorial", memorial_id=memorial_id)
