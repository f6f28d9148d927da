"""The subject's style portrait: how they write in each register, in plain words, and
their corrections (strike a phrase, add a note, undo). Subject only; 404 for anyone else."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from corpus.models import Register
from memorials.models import Role
from memorials.selectors import memorial_get_for
from twins.models import CorrectionKind
from twins.portrait.describe import based_on, comparisons, place, register_sentences
from twins.portrait.selectors import correction_get, version_portraits
from twins.portrait.services import (
    CorrectionInvalid,
    style_correction_add,
    style_correction_remove,
)
from twins.selectors import twin_get, twin_serving

SUBJECT = [Role.SUBJECT]


def _portrait_url(memorial_id: uuid.UUID, register: str = "") -> str:
    url = reverse("twins:portrait", args=[memorial_id])
    return f"{url}#register-{register}" if register else url


@login_required
def portrait_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=SUBJECT)
    serving = twin_serving(memorial_id=memorial_id)
    context: dict = {"memorial": membership.memorial, "serving": serving}
    if serving is not None:
        portraits = version_portraits(version=serving)
        context["portraits"] = [
            {
                "portrait": portrait,
                "place": place(portrait.register).capitalize(),
                "based_on": based_on(portrait.features),
                "sentences": register_sentences(portrait.features),
            }
            for portrait in portraits
        ]
        context["comparisons"] = comparisons({p.register: p.features for p in portraits})
    return render(request, "twins/portrait.html", context)


@login_required
@require_POST
def portrait_correct(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=SUBJECT)
    twin = twin_get(memorial_id=memorial_id)
    register = request.POST.get("register", "")
    kind = request.POST.get("kind", "")
    if twin is None or register not in Register.values or kind not in CorrectionKind.values:
        raise Http404
    try:
        style_correction_add(
            twin=twin,
            register=register,
            kind=kind,
            text=request.POST.get("text", ""),
            actor=membership.user,
        )
        if kind == CorrectionKind.STRIKE:
            messages.success(request, "Struck out. Your twin will never use it.")
        else:
            messages.success(request, "Your note is kept. It comes before everything else.")
    except CorrectionInvalid as refusal:
        messages.error(request, str(refusal))
    return redirect(_portrait_url(memorial_id, register))


@login_required
@require_POST
def portrait_correction_remove(
    request: HttpRequest, memorial_id: uuid.UUID, correction_id: int
) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=SUBJECT)
    correction = correction_get(memorial_id=memorial_id, correction_id=correction_id)
    if correction is None:
        raise Http404
    register = correction.register
    style_correction_remove(correction=correction, actor=membership.user)
    messages.success(request, "Taken back.")
    return redirect(_portrait_url(memorial_id, register))
