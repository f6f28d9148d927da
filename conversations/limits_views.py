"""Healthy use, on pages: the stewards' visitors' time page (limits per visitor, approving a
visitor under 18, the reliance trend without contents) and the age-group question asked once
of members who joined before it was asked. Logic lives in conversations.guardrails."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from conversations.guardrails.limits import minor_approve, visit_limits_set
from conversations.guardrails.reliance import GRIEF_SUPPORT, visitors_time_list
from conversations.limits_forms import VisitLimitsForm
from memorials.forms import AgeGroupForm
from memorials.models import Membership, Role
from memorials.selectors import memorial_get_for
from memorials.services import MembershipError, membership_age_group_state


def _visitor(steward: Membership, user_id: str) -> Membership:
    try:
        return (
            Membership.objects.select_related("user")
            .exclude(role=Role.SUBJECT)
            .get(memorial_id=steward.memorial_id, user_id=uuid.UUID(user_id))
        )
    except (ValueError, Membership.DoesNotExist):
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def visitors_time_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    steward = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.STEWARD])
    page = reverse("conversations:visitors_time", args=[memorial_id])
    failed: tuple[str, VisitLimitsForm] | None = None
    if request.method == "POST":
        visitor = _visitor(steward, request.POST.get("visitor", ""))
        anchor = f"{page}#visitor-{visitor.user_id}"
        if request.POST.get("action") == "approve":
            try:
                minor_approve(steward=steward, visitor=visitor)
            except ValueError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"{visitor.user} may now talk with the twin.")
            return redirect(anchor)
        defaults = visitors_time_list(memorial_id=memorial_id)
        shown = next(v for v in defaults if v.membership.pk == visitor.pk)
        form = VisitLimitsForm(request.POST, defaults=shown.defaults, prefix=str(visitor.user_id))
        if form.is_valid():
            visit_limits_set(steward=steward, visitor=visitor, **form.cleaned_data)
            messages.success(request, f"{visitor.user}'s time with the twin is saved.")
            return redirect(anchor)
        failed = (str(visitor.user_id), form)
    visitors = visitors_time_list(memorial_id=memorial_id)
    rows = []
    for shown in visitors:
        key = str(shown.membership.user_id)
        if failed and failed[0] == key:
            form = failed[1]
        else:
            row = shown.row
            initial = (
                {
                    "session_minutes": row.session_minutes,
                    "daily_minutes": row.daily_minutes,
                    "break_minutes": row.break_minutes,
                    "quiet_start": row.quiet_start,
                    "quiet_end": row.quiet_end,
                }
                if row
                else {}
            )
            form = VisitLimitsForm(initial=initial, defaults=shown.defaults, prefix=key)
        rows.append((shown, form))
    context = {"memorial": steward.memorial, "rows": rows, "grief_support": GRIEF_SUPPORT}
    return render(
        request, "conversations/visitors_time.html", context, status=400 if failed else 200
    )


@login_required
@require_POST
def age_group_view(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    """A member who joined before it was asked says their age group, once."""
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id)
    form = AgeGroupForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please tell us whether you are 18 or over, or under 18.")
        return redirect(membership.memorial.get_absolute_url() + "#age-group")
    try:
        membership_age_group_state(membership=membership, age_group=form.cleaned_data["age_group"])
    except MembershipError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Thank you.")
    return redirect(membership.memorial.get_absolute_url() + "#conversation")
