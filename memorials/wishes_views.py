"""The wishes page: a form for the subject, a read-only page for stewards."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from memorials.forms import WishesForm
from memorials.models import Role
from memorials.selectors import memorial_get_for
from memorials.wishes import (
    WishesError,
    wishes_get,
    wishes_named_keys,
    wishes_named_labels,
    wishes_update,
    wishes_visitor_choices,
)


@login_required
@require_http_methods(["GET", "POST"])
def wishes_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    roles = [Role.SUBJECT] if request.method == "POST" else [Role.SUBJECT, Role.STEWARD]
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=roles)
    memorial = membership.memorial
    wishes = wishes_get(memorial_id=memorial.id)
    choices = wishes_visitor_choices(memorial_id=memorial.id)
    context: dict[str, Any] = {"membership": membership, "memorial": memorial, "wishes": wishes}
    if membership.role != Role.SUBJECT:
        context["named"] = wishes_named_labels(wishes=wishes)
        return render(request, "memorials/wishes_view.html", context)
    form = WishesForm(
        request.POST or None,
        visitor_choices=[(choice.key, choice.label) for choice in choices],
        initial={
            "visitors": wishes.visitors,
            "named_visitors": wishes_named_keys(wishes=wishes),
            "forbidden_topics": "\n".join(wishes.forbidden_topics),
            "talk_while_living": wishes.talk_while_living,
            "share_between_family": wishes.share_between_family,
            "sunset": wishes.sunset,
            "sunset_years": wishes.sunset_years,
            "sunset_on": wishes.sunset_on,
            "ending": wishes.ending,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            wishes_update(
                memorial=memorial,
                actor=membership.user,
                visitors=data["visitors"],
                named_visitors=data["named_visitors"],
                forbidden_topics=form.topics,
                talk_while_living=data["talk_while_living"],
                share_between_family=data["share_between_family"],
                sunset=data["sunset"],
                sunset_years=data["sunset_years"],
                sunset_on=data["sunset_on"],
                ending=data["ending"],
            )
            messages.success(request, "Your wishes are saved.")
            return redirect(reverse("memorials:wishes", args=[memorial.id]))
        except WishesError as error:
            form.add_error(None, str(error))
    context["form"] = form
    return render(request, "memorials/wishes.html", context, status=400 if form.errors else 200)
