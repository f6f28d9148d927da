"""Activation pages: the steward's key (shown once), starting an activation, the second
steward's approval, the subject's cancel, and staff review. Each fetches through
`memorial_get_for` (staff through `activation_get_for_staff`) and calls a service. A death
certificate is shown only after allauth re-authentication (password, or a two-factor code)."""

from __future__ import annotations

import uuid
from typing import Any

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from memorials.activation.approvals import (
    activation_approve,
    activation_approve_as_staff,
    activation_cancel,
    activation_reject,
)
from memorials.activation.certificates import activation_certificate_chunks
from memorials.activation.keys import activation_key_get, activation_key_issue
from memorials.activation.requests import activation_start
from memorials.activation.rules import ActivationError
from memorials.activation.selectors import (
    activation_get_for,
    activation_get_for_staff,
    activation_reviews_for_staff,
    activation_view_for,
    staff_reviewer_get,
)
from memorials.forms import ActivationApproveForm, ActivationStartForm
from memorials.models import ActivationRequest, Role
from memorials.selectors import memorial_get_for


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def activation_key_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """GET explains; POST issues the key and shows it, this once (never stored, never cached)."""
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.STEWARD])
    memorial = membership.memorial
    existing = activation_key_get(memorial_id=memorial.id, steward=membership.user)
    context: dict[str, Any] = {"memorial": memorial, "existing": existing}
    if request.method == "POST":
        if existing is not None and request.POST.get("confirm") != "replace":
            messages.error(request, "Please tick the box to replace your key.")
            return redirect(reverse("memorials:activation_key", args=[memorial.id]))
        context["key"] = activation_key_issue(memorial=memorial, steward=membership.user)
        context["issued_at"] = timezone.now()
    return render(request, "memorials/activation_key.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def activation_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """For stewards: start an activation, or see (and approve) the one waiting."""
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.STEWARD])
    memorial = membership.memorial
    form = ActivationStartForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            activation_start(
                memorial=memorial,
                steward=membership.user,
                key=form.cleaned_data["key"],
                certificate=form.cleaned_data["certificate"],
            )
            messages.success(
                request,
                "Your request is made. Another steward (or Legacy staff) is asked to review it.",
            )
            return redirect(reverse("memorials:activation", args=[memorial.id]))
        except ActivationError as error:
            form.add_error(None, str(error))
    context = {
        "memorial": memorial,
        "activation_page": activation_view_for(membership=membership, now=timezone.now()),
        "form": form,
        "approve_form": ActivationApproveForm(),
    }
    return render(request, "memorials/activation.html", context, status=400 if form.errors else 200)


@reauthentication_required
def _certificate_response(
    request: HttpRequest, *, activation: ActivationRequest
) -> StreamingHttpResponse:
    """The certificate, to someone already allowed to see it, once they have just confirmed
    it is them (allauth: password or two-factor code). Strangers get 404 before being asked."""
    response = StreamingHttpResponse(
        activation_certificate_chunks(activation=activation),
        content_type=activation.certificate_type,
    )
    extension = activation.certificate_type.rsplit("/", 1)[-1]
    response["Content-Disposition"] = f'inline; filename="death-certificate.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def activation_certificate(
    request: HttpRequest, memorial_id: uuid.UUID, activation_id: uuid.UUID
) -> StreamingHttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.STEWARD])
    activation = activation_get_for(membership=membership, activation_id=activation_id)
    return _certificate_response(request, activation=activation)


@login_required
@require_POST
def activation_approve_view(
    request: HttpRequest, memorial_id: uuid.UUID, activation_id: uuid.UUID
) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.STEWARD])
    activation = activation_get_for(membership=membership, activation_id=activation_id)
    if not ActivationApproveForm(request.POST).is_valid():
        messages.error(request, "Please confirm, by ticking the box, before approving.")
    else:
        try:
            activation_approve(activation=activation, approver=membership.user)
            messages.success(request, f"{membership.memorial} is now active.")
        except ActivationError as error:
            messages.error(request, str(error))
    return redirect(reverse("memorials:activation", args=[memorial_id]))


@login_required
@require_POST
def activation_reject_view(
    request: HttpRequest, memorial_id: uuid.UUID, activation_id: uuid.UUID
) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.STEWARD])
    activation = activation_get_for(membership=membership, activation_id=activation_id)
    try:
        activation_reject(activation=activation, actor=membership.user)
        messages.success(request, "The activation was not approved. The steward who asked is told.")
    except ActivationError as error:
        messages.error(request, str(error))
    return redirect(reverse("memorials:activation", args=[memorial_id]))


@login_required
@require_POST
def activation_cancel_view(
    request: HttpRequest, memorial_id: uuid.UUID, activation_id: uuid.UUID
) -> HttpResponse:
    """The subject cancels (they are alive), or the steward who started it withdraws."""
    membership = memorial_get_for(
        user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT, Role.STEWARD]
    )
    activation = activation_get_for(membership=membership, activation_id=activation_id)
    try:
        activation_cancel(activation=activation, actor=membership.user)
        messages.success(request, "The activation is cancelled. The stewards are told.")
    except ActivationError as error:
        messages.error(request, str(error))
    if membership.role == Role.SUBJECT:
        return redirect(membership.memorial)
    return redirect(reverse("memorials:activation", args=[memorial_id]))


@login_required
@require_GET
def activation_review_list(request: HttpRequest) -> HttpResponse:
    """Staff: activations of single-steward memorials, waiting for a second person."""
    context = {
        "reviews": activation_reviews_for_staff(user=request.user, now=timezone.now()),
        "approve_form": ActivationApproveForm(),
    }
    return render(request, "memorials/activation_review.html", context)


@login_required
@require_GET
def activation_review_certificate(
    request: HttpRequest, activation_id: uuid.UUID
) -> StreamingHttpResponse:
    activation = activation_get_for_staff(user=request.user, activation_id=activation_id)
    return _certificate_response(request, activation=activation)


@login_required
@require_POST
def activation_review_decide(request: HttpRequest, activation_id: uuid.UUID) -> HttpResponse:
    staff = staff_reviewer_get(user=request.user)
    activation = activation_get_for_staff(user=staff, activation_id=activation_id)
    try:
        if request.POST.get("action") == "approve":
            if not ActivationApproveForm(request.POST).is_valid():
                raise ActivationError("Please confirm, by ticking the box, before approving.")
            activation_approve_as_staff(activation=activation, staff_user=staff)
            messages.success(request, f"{activation.memorial} is now active.")
        elif request.POST.get("action") == "reject":
            activation_reject(activation=activation, actor=staff)
            messages.success(request, "The activation was not approved. The steward is told.")
    except ActivationError as error:
        messages.error(request, str(error))
    return redirect(reverse("memorials:activation_review"))
