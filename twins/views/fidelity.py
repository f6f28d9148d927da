"""The fidelity report, for the subject: how close their twin writes to them, against a
generic reply, and "Measure again" (a consent-bound task). Subject only; 404 for others."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.consent import ConsentRequired
from memorials.models import Role
from memorials.selectors import memorial_get_for
from twins.fidelity_reading import (
    fidelity_report_data,
    fidelity_report_latest,
    fidelity_sentences,
)
from twins.selectors import twin_get, twin_serving
from twins.services.fidelity_requests import FidelityAlreadyRunning, fidelity_report_start

SUBJECT = [Role.SUBJECT]


@login_required
def fidelity_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=SUBJECT)
    twin = twin_get(memorial_id=memorial_id)
    latest, measured = fidelity_report_latest(twin=twin) if twin else (None, None)
    data = fidelity_report_data(measured) if measured else None
    context = {
        "memorial": membership.memorial,
        "serving": twin_serving(memorial_id=memorial_id),
        "latest": latest,
        "measured": measured,
        "report": data,
        "rows": fidelity_sentences(data) if data else [],
    }
    return render(request, "twins/fidelity.html", context)


@login_required
@require_POST
def fidelity_measure_again(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=SUBJECT)
    twin = twin_get(memorial_id=memorial_id)
    if twin is None or twin_serving(memorial_id=memorial_id) is None:
        messages.error(request, "Your twin has to be built before it can be measured.")
    else:
        try:
            fidelity_report_start(twin=twin, actor=membership.user)
            messages.success(request, "Measuring now. This can take a few minutes.")
        except (FidelityAlreadyRunning, ConsentRequired) as refusal:
            messages.error(request, str(refusal))
    return redirect(reverse("twins:fidelity", args=[memorial_id]))
