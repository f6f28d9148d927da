"""The grief-safety forms: a visitor says which country they are in (for crisis lines) and,
from a care reply, asks that a steward be told; a steward marks an alert seen. Plain POST
forms, so they work without JavaScript."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from conversations.guardrails.alerts import (
    ReachRefused,
    alert_mark_seen,
    steward_reach,
    steward_to_reach,
)
from conversations.guardrails.helplines import (
    CountryRefused,
    country_choices,
    country_choose,
    country_guess_save,
    helplines_for,
    visitor_country,
)
from memorials.models import Memorial, Role
from memorials.selectors import MemorialNotFound, memorial_get_for


def care_page_context(request: HttpRequest, *, user: User, memorial: Memorial) -> dict[str, Any]:
    """What the conversation page needs to show a care reply: the visitor's crisis lines
    (their country remembered from the browser's language until they choose one), who can
    be told, and the countries to choose from."""
    country_guess_save(user=user, accept_language=request.headers.get("Accept-Language", ""))
    return {
        "care_help": helplines_for(country=visitor_country(user=user)),
        "care_steward": steward_to_reach(memorial_id=memorial.pk, visitor_id=user.pk),
        "care_countries": country_choices(),
    }


def _page(memorial_id: uuid.UUID) -> str:
    return reverse("conversations:page", args=[memorial_id])


@login_required
@require_POST
def country_choose_view(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required
    try:
        country_choose(user=user, country=request.POST.get("country", ""))
    except CountryRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Thank you. The help shown here is now for where you are.")
    return redirect(_page(memorial_id) + "#care-country")


@login_required
@require_POST
def steward_reach_view(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """From a care reply (`seq`): tell the stewards, sharing the visitor's words if `share`."""
    user = request.user
    assert isinstance(user, User)  # login_required
    try:
        memorial_get_for(user=user, memorial_id=memorial_id)
        seq = int(request.POST.get("seq", ""))
    except MemorialNotFound:
        raise Http404 from None
    except ValueError:
        return redirect(_page(memorial_id))
    share = request.POST.get("share") == "yes"
    try:
        steward_reach(memorial_id=memorial_id, visitor=user, reply_seq=seq, share=share)
    except ReachRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            "We've let them know"
            + (", with what you wrote." if share else ". What you wrote stays private.")
            + " Please keep the numbers above close, too.",
        )
    return redirect(f"{_page(memorial_id)}#turn-{seq}")


@login_required
@require_POST
def alert_seen_view(request: HttpRequest, memorial_id: uuid.UUID, alert_id: int) -> HttpResponse:
    try:
        membership = memorial_get_for(
            user=request.user, memorial_id=memorial_id, roles=[Role.STEWARD]
        )
    except MemorialNotFound:
        raise Http404 from None
    if not alert_mark_seen(membership=membership, alert_id=alert_id):
        raise Http404
    return redirect(membership.memorial.get_absolute_url() + "#safety")
