"""Reads about people."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from accounts.models import User


def signed_in_user(*, user: User | AnonymousUser) -> User:
    """`request.user` as the User it is on a page behind `login_required` (which sends
    anonymous visitors to sign in first); PermissionDenied for an anonymous one regardless."""
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone this machine knows ("Europe/London"), sorted; the old aliases
    ("GB", "US/Eastern", "Etc/GMT+5") left out, as nobody should have to choose among them."""
    return tuple(
        sorted(
            name
            for name in zoneinfo.available_timezones()
            if ("/" in name and not name.startswith(("Etc/", "SystemV/", "US/"))) or name == "UTC"
        )
    )


def time_zone_known(name: str) -> bool:
    return name in time_zone_names()


def user_zone(*, user: User | AnonymousUser) -> zoneinfo.ZoneInfo | None:
    """The signed-in person's time zone, or None (anonymous, or not known yet)."""
    if not isinstance(user, User) or not user.is_authenticated or not user.time_zone:
        return None
    if not time_zone_known(user.time_zone):
        return None
    return zoneinfo.ZoneInfo(user.time_zone)
