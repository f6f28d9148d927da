"""The firm as a client's professional steward (firm pages), and the client's own side:
naming or withdrawing the firm, paying for their own memorial, and detaching it; the owner
closing the firm. Views fetch through `firm_get_for` (by `firm_view`) or `memorial_get_for`
and call the services."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from billing.checkout import CheckoutRefused, checkout_price
from billing.checkout_views import provider_forms_allowed
from billing.providers import PaymentError, payment_provider
from firms.access import FirmPower, firm_client_get_for
from firms.client_billing import client_pay_self_start, pay_self_plans
from firms.forms_steward import FirmCloseForm
from firms.leaving import LeavingError, client_detach, firm_close, firm_live_client_count
from firms.models import FirmClient, FirmStaff
from firms.seats import SeatRefused
from firms.stewardship import (
    StewardshipError,
    client_firm_for_subject,
    firm_activation_key_get,
    firm_activation_key_issue,
    firm_activation_start,
    firm_activation_withdraw,
    firm_steward_view,
    professional_steward_name,
    professional_steward_withdraw,
)
from firms.views_common import firm_view
from memorials.forms import ActivationStartForm
from memorials.models import Membership, Role
from memorials.naming import memorial_noun
from memorials.selectors import memorial_get_for


def _subject_client(request: HttpRequest, memorial_id: uuid.UUID) -> tuple[Membership, FirmClient]:
    """The subject's membership and their live firm client row; 404 for anyone else."""
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    client = client_firm_for_subject(user=membership.user, memorial_id=memorial_id)
    if client is None:
        raise Http404
    return membership, client


@login_required
@require_POST
def client_steward(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """The client names their firm a professional steward, or withdraws that."""
    membership, client = _subject_client(request, memorial_id)
    action = request.POST.get("action")
    try:
        if action == "name":
            professional_steward_name(client=client, actor=membership.user)
            messages.success(request, f"{client.firm.name} is now a steward of your memorial.")
        elif action == "withdraw":
            professional_steward_withdraw(client=client, actor=membership.user)
            messages.success(
                request,
                f"{client.firm.name} is no longer a steward; its activation key stopped working.",
            )
    except StewardshipError as error:
        messages.error(request, str(error))
    return redirect(membership.memorial)


@login_required
@require_http_methods(["GET", "POST"])
def client_detach_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """GET asks for confirmation; POST detaches the firm."""
    membership, client = _subject_client(request, memorial_id)
    if request.method == "POST":
        try:
            client_detach(client=client, actor=membership.user)
        except LeavingError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"{client.firm.name} is detached. It no longer sees anything of your "
                f"{memorial_noun(membership.memorial)}.",
            )
        return redirect(membership.memorial)
    return render(
        request,
        "firms/client_detach.html",
        {"memorial": membership.memorial, "client": client, "firm": client.firm},
    )


@login_required
@require_http_methods(["GET", "POST"])
def client_pay_self_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """GET says what changes and offers the plans; POST (a price) goes to the checkout."""
    membership, client = _subject_client(request, memorial_id)
    if request.method == "POST":
        try:
            price = checkout_price(price_id=request.POST.get("price", ""))
            url = client_pay_self_start(
                client=client,
                membership=membership,
                price=price,
                success_url=request.build_absolute_uri(
                    reverse("billing:checkout_return", kwargs={"memorial_id": memorial_id})
                ),
                cancel_url=request.build_absolute_uri(
                    reverse("billing:checkout_cancelled", kwargs={"memorial_id": memorial_id})
                ),
            )
        except (SeatRefused, CheckoutRefused, PaymentError) as error:
            messages.error(request, str(error))
            return redirect("firms:client_pay_self", memorial_id=memorial_id)
        return provider_forms_allowed(redirect(url))
    context = {
        "memorial": membership.memorial,
        "client": client,
        "firm": client.firm,
        "plans": pay_self_plans(),
        "provider": payment_provider(),
    }
    return provider_forms_allowed(render(request, "firms/client_pay_self.html", context))


def _steward_client(staff: FirmStaff, client_id: uuid.UUID) -> FirmClient:
    """A client of the firm who named it a steward; 404 otherwise (and for a client without
    a memorial yet)."""
    client = firm_client_get_for(staff=staff, client_id=client_id)
    if client.professional_steward_since is None or client.memorial_id is None:
        raise Http404
    return client


@never_cache
@require_http_methods(["GET", "POST"])
@firm_view(FirmPower.CLIENTS)
def firm_steward_page(request: HttpRequest, staff: FirmStaff, client_id: uuid.UUID) -> HttpResponse:
    """For a client who named the firm a steward: take the firm's key (shown once), ask to
    activate with it and the death certificate, withdraw the request, see where it stands."""
    client = _steward_client(staff, client_id)
    here = reverse("firms:steward", args=[staff.firm.slug, client.id])
    form = ActivationStartForm(None)
    context: dict[str, Any] = {"staff": staff, "client": client}
    action = request.POST.get("action") if request.method == "POST" else None
    try:
        if action == "key":
            if firm_activation_key_get(client=client) and request.POST.get("confirm") != "replace":
                raise StewardshipError("Please tick the box to replace the firm's key.")
            context["key"] = firm_activation_key_issue(staff=staff, client=client)
        elif action == "start":
            form = ActivationStartForm(request.POST, request.FILES)
            if form.is_valid():
                firm_activation_start(
                    staff=staff,
                    client=client,
                    key=form.cleaned_data["key"],
                    certificate=form.cleaned_data["certificate"],
                )
                messages.success(request, "The request is made. Another steward reviews it.")
                return redirect(here)
        elif action == "withdraw":
            firm_activation_withdraw(staff=staff, client=client)
            messages.success(request, "The firm's request is withdrawn.")
            return redirect(here)
    except StewardshipError as error:
        if action == "start":
            form.add_error(None, str(error))
        else:
            messages.error(request, str(error))
            return redirect(here)
    context["form"] = form
    context["steward"] = firm_steward_view(staff=staff, client=client, now=timezone.now())
    return render(request, "firms/steward.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@firm_view(FirmPower.CLOSE)
def firm_close_page(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    """The owner closes the firm, typing its name: every memorial goes back to its subject."""
    form = FirmCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            firm = firm_close(staff=staff, confirm_name=form.cleaned_data["name"])
        except LeavingError as error:
            form.add_error("name", str(error))
        else:
            messages.success(
                request,
                f"{firm.name} is closed. Each client's memorial is theirs and their stewards'.",
            )
            return redirect("home")
    clients = firm_live_client_count(firm=staff.firm)
    return render(
        request,
        "firms/close.html",
        {"staff": staff, "form": form, "clients": clients},
        status=400 if form.errors else 200,
    )
