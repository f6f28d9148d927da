"""The subject's review of their persona pack: what the twin knows about them, each fact
with the passages it came from, and confirm / correct / delete / undo. Subject only."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.consent import ConsentRequired
from memorials.models import Role
from memorials.selectors import memorial_get_for
from twins.models import FactReview, PersonaFact
from twins.persona.selectors import persona_fact_get, persona_review_page
from twins.persona.services import FactReviewRefused, fact_review, fact_review_undo

SUBJECT = [Role.SUBJECT]
DONE_MESSAGES = {
    FactReview.Decision.CONFIRMED: "Confirmed. Your twin will hold on to it.",
    FactReview.Decision.CORRECTED: "Corrected. Your twin will use your words.",
    FactReview.Decision.DELETED: (
        "Deleted. Your twin will not use it; you can bring it back from “Facts you deleted”."
    ),
}


@login_required
@require_GET
def persona_review(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=SUBJECT)
    try:
        context = persona_review_page(memorial_id=memorial_id)
    except ConsentRequired as refusal:  # the pack is made of their writing: gated with it
        context = {"version": None, "refusal": str(refusal)}
    context.update({"memorial": membership.memorial, "decisions": FactReview.Decision})
    return render(request, "twins/persona.html", context)


@login_required
@require_POST
def persona_fact_review(request: HttpRequest, memorial_id: uuid.UUID, fact_id: int) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=SUBJECT)
    fact = _fact(memorial_id, fact_id)
    decision = request.POST.get("decision", "")
    try:
        fact_review(
            fact=fact,
            decision=decision,
            actor=membership.user,
            corrected_text=request.POST.get("text", ""),
        )
        messages.success(request, DONE_MESSAGES[FactReview.Decision(decision)])
    except FactReviewRefused as refusal:
        messages.error(request, str(refusal))
    return _back(memorial_id, fact)


@login_required
@require_POST
def persona_fact_undo(request: HttpRequest, memorial_id: uuid.UUID, fact_id: int) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=SUBJECT)
    fact = _fact(memorial_id, fact_id)
    if fact_review_undo(fact=fact, actor=membership.user):
        messages.success(request, "Undone. The fact is back as it was found in your writing.")
    return _back(memorial_id, fact)


def _fact(memorial_id: uuid.UUID, fact_id: int) -> PersonaFact:
    fact = persona_fact_get(memorial_id=memorial_id, fact_id=fact_id)
    if fact is None:
        raise Http404
    return fact


def _back(memorial_id: uuid.UUID, fact: PersonaFact) -> HttpResponse:
    return redirect(reverse("twins:persona", args=[memorial_id]) + f"#fact-{fact.id}")
