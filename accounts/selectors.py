"""Reads about people."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from accounts.models import User


def signed_in_user(*, user: User | AnonymousUser) -> User:
    """`request.user` as the User it is on a page behind `login_required` (which sends
    anonymous visitors to sign in first); PermissionDenied for an anonymous one regardless."""
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user
