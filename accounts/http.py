"""Requests, typed for views."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request to a view behind `login_required`: its user is signed in (django-stubs'
    recipe for typing `request.user` as the User model)."""

    user: User
