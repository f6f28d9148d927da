"""What every page may say about the site and the person reading it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    """The site's name (LEGACY_SITE_NAME) and contact address (LEGACY_CONTACT_EMAIL), and
    whether the signed-in person's time zone is still to be detected (base.html then loads
    static/js/time-zone.js)."""
    user = getattr(request, "user", None)
    return {
        "site_name": settings.LEGACY_SITE_NAME,
        "contact_email": settings.LEGACY_CONTACT_EMAIL,
        "time_zone_unknown": bool(
            user is not None and user.is_authenticated and not user.time_zone
        ),
    }
