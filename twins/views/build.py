"""The twin's own page (what it is, how its build is going, where to look at it), and the
subject's two actions on builds: build (or rebuild) it, and try a failed build again."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.consent import ConsentRequired
from memorials.models import Role
from memorials.selectors import memorial_get_for
from twins.models import TwinVersion
from twins.selectors import twin_card
from twins.services.versions import BuildNotRetryable, twin_build_retry, twin_build_start

SUBJECT = [Role.SUBJECT]


@login_required
def twin_overview(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=SUBJECT)
    context = twin_card(memorial_id=memorial_id, is_subject=True)
    context.update({"memorial": membership.memorial, "membership": membership})
    return render(request, "twins/overview.html", context)


@login_required
@require_POST
def twin_build_new(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=SUBJECT)
    try:
        version = twin_build_start(memorial_id=memorial_id, actor=membership.user)
        messages.success(
            request, f"Your twin is being built (version {version.number}). Follow it below."
        )
    except ConsentRequired as refusal:
        messages.error(request, str(refusal))
    return redirect(reverse("twins:overview", args=[memorial_id]))


@login_required
@require_POST
def twin_build_again(
    request: HttpRequest, memorial_id: uuid.UUID, version_id: uuid.UUID
) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=SUBJECT)
    version = TwinVersion.objects.filter(pk=version_id, twin__memorial_id=memorial_id).first()
    if version is None:
        raise Http404
    try:
        twin_build_retry(version=version, actor=membership.user)
        messages.success(request, "Trying again, from where it stopped.")
    except (BuildNotRetryable, ConsentRequired) as refusal:
        messages.error(request, str(refusal))
    return redirect(reverse("twins:overview", args=[memorial_id]))
