"""The firm's API page (owner only): tokens for its practice software and webhook endpoints,
each secret shown once in the answer to the form that made it, and recent deliveries."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from firms.access import FirmPower
from firms.api_tokens import ApiTokenError, api_token_create, api_token_revoke
from firms.forms_api import ApiTokenForm, WebhookEndpointForm
from firms.models import (
    FirmApiToken,
    FirmStaff,
    FirmWebhookDelivery,
    FirmWebhookEndpoint,
    WebhookEventKind,
)
from firms.views_common import firm_view
from firms.webhooks import (
    TEST_KIND,
    WebhookError,
    webhook_endpoint_add,
    webhook_endpoint_remove,
    webhook_test_send,
)

DELIVERIES_SHOWN = 25
EVENT_LABELS = {**dict(WebhookEventKind.choices), TEST_KIND: "A test event"}


def _page(
    request: HttpRequest,
    staff: FirmStaff,
    *,
    token_form: ApiTokenForm | None = None,
    endpoint_form: WebhookEndpointForm | None = None,
    **extra: Any,
) -> HttpResponse:
    firm = staff.firm
    context = {
        "staff": staff,
        "tokens": FirmApiToken.objects.filter(firm=firm).select_related("created_by"),
        "endpoints": FirmWebhookEndpoint.objects.filter(firm=firm, disabled_at__isnull=True),
        "deliveries": [
            (delivery, EVENT_LABELS.get(delivery.kind, delivery.kind))
            for delivery in FirmWebhookDelivery.objects.filter(endpoint__firm=firm).select_related(
                "endpoint"
            )[:DELIVERIES_SHOWN]
        ],
        "token_form": token_form or ApiTokenForm(),
        "endpoint_form": endpoint_form or WebhookEndpointForm(),
        "docs_url": reverse("firms_api:openapi-view"),
        **extra,
    }
    response = render(request, "firms/api.html", context)
    response["Cache-Control"] = "no-store"  # a token or secret is shown once, never cached
    return response


def _back(staff: FirmStaff) -> HttpResponse:
    return redirect("firms:api", slug=staff.firm.slug)


@firm_view(FirmPower.API)
def api_page(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    if request.method != "POST":
        return _page(request, staff)
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, secret = api_token_create(
                firm=staff.firm,
                actor=staff.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except ApiTokenError as error:
            form.add_error(None, str(error))
        else:
            return _page(request, staff, new_token=token, new_token_secret=secret)
    return _page(request, staff, token_form=form)


@firm_view(FirmPower.API)  # first: anyone else gets the 404, whatever the method
@require_POST
def api_token_revoke_view(request: HttpRequest, staff: FirmStaff, token_id: int) -> HttpResponse:
    token = get_object_or_404(FirmApiToken, firm=staff.firm, pk=token_id)
    api_token_revoke(firm=staff.firm, actor=staff.user, token_id=token.pk)
    messages.success(request, f"“{token.name}” is revoked: it no longer works.")
    return _back(staff)


@firm_view(FirmPower.API)  # first: anyone else gets the 404, whatever the method
@require_POST
def api_webhook_add(request: HttpRequest, staff: FirmStaff) -> HttpResponse:
    form = WebhookEndpointForm(request.POST)
    if form.is_valid():
        try:
            endpoint, secret = webhook_endpoint_add(
                firm=staff.firm,
                actor=staff.user,
                url=form.cleaned_data["url"],
                kinds=form.cleaned_data["kinds"],
            )
        except WebhookError as error:
            form.add_error("url", str(error))
        else:
            return _page(request, staff, new_endpoint=endpoint, new_endpoint_secret=secret)
    return _page(request, staff, endpoint_form=form)


@firm_view(FirmPower.API)  # first: anyone else gets the 404, whatever the method
@require_POST
def api_webhook_remove(request: HttpRequest, staff: FirmStaff, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(FirmWebhookEndpoint, firm=staff.firm, pk=endpoint_id)
    webhook_endpoint_remove(firm=staff.firm, actor=staff.user, endpoint_id=endpoint.pk)
    messages.success(request, f"Events are no longer sent to {endpoint.url}.")
    return _back(staff)


@firm_view(FirmPower.API)  # first: anyone else gets the 404, whatever the method
@require_POST
def api_webhook_test(request: HttpRequest, staff: FirmStaff, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(
        FirmWebhookEndpoint, firm=staff.firm, pk=endpoint_id, disabled_at__isnull=True
    )
    webhook_test_send(firm=staff.firm, endpoint_id=endpoint.pk)
    messages.success(request, f"A test event is on its way to {endpoint.url}.")
    return _back(staff)
