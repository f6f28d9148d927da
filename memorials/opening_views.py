"""The subject opens their memorial to their family while they live (a confirmation page,
then a POST), and closes it again. Each fetches through `memorial_get_for` and calls a
service of `memorials.opening`."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from memorials.models import Role
from memorials.opening import (
    OpeningError,
    memorial_close_to_visitors,
    memorial_open_while_living,
    opening_view,
)
from memorials.selectors import memorial_get_for


@login_required
@require_http_methods(["GET", "POST"])
def memorial_open_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    memorial = membership.memorial
    if request.method == "POST":
        try:
            memorial_open_while_living(memorial=memorial, actor=membership.user)
        except OpeningError as error:
            messages.error(request, str(error))
            return redirect("memorials:open", memorial_id=memorial.id)
        messages.success(request, "Your Legacy is open to your family.")
        return redirect(memorial)
    context = {"memorial": memorial, "opening": opening_view(memorial=memorial)}
    return render(request, "memorials/open.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def memorial_close_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    memorial = membership.memorial
    if request.method == "POST":
        try:
            memorial_close_to_visitors(memorial=memorial, actor=membership.user)
            messages.success(request, "Your Legacy is closed to your family again.")
        except OpeningError as error:
            messages.error(request, str(error))
        return redirect(memorial)
    return render(request, "memorials/close.html", {"memorial": memorial})
