"""A subject who signs in while an activation of their memorial is pending is told at once,
with the way to cancel it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accounts.models import User
from memorials.models import ActivationRequest, ActivationStatus
from memorials.naming import memorial_noun


def subject_signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None:
        return
    pending = (
        ActivationRequest.objects.select_related("memorial")
        .filter(memorial__subject=user, status=ActivationStatus.PENDING)
        .first()
    )
    if pending is None:
        return
    messages.warning(
        request,
        format_html(
            "{} has asked to activate your {}, as if you had died. "
            '<a href="{}">See it and cancel it</a>.',
            pending.started_by if pending.started_by_id else "A steward",
            memorial_noun(pending.memorial),
            reverse("memorials:detail", args=[pending.memorial_id]),
        ),
        fail_silently=True,
    )
