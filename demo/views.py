"""Removing the fictional demo: one click, after a confirmation, through the kill switch."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from demo.selectors import memorial_is_demo
from demo.services import demo_remove
from memorials.models import Role
from memorials.selectors import memorial_get_for


@login_required
def demo_remove_page(request: HttpRequest, memorial_id: uuid.UUID) -> HttpResponse:
    membership = memorial_get_for(user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT])
    if not memorial_is_demo(memorial_id=memorial_id):
        raise Http404  # a real memorial is erased through its kill switch, with its checks
    if request.method != "POST":
        return render(request, "demo/remove.html", {"memorial": membership.memorial})
    demo_remove(user=membership.user, memorial_id=memorial_id)
    logout(request)
    messages.success(
        request,
        "The fictional demo was erased, as a real memorial would be, and its demo account closed.",
    )
    return redirect(reverse("home"))
