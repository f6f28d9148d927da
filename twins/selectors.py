"""Reads about a memorial's twin: the version that serves, the newest build."""

from __future__ import annotations

import uuid

from twins.models import BuildStatus, Twin, TwinVersion


def twin_get(*, memorial_id: uuid.UUID | str) -> Twin | None:
    return Twin.objects.filter(memorial_id=memorial_id).first()


def twin_serving(*, memorial_id: uuid.UUID | str) -> TwinVersion | None:
    """The newest ready version: the one that answers. A failed or running build never
    replaces it."""
    return (
        TwinVersion.objects.select_related("twin")
        .filter(twin__memorial_id=memorial_id, status=BuildStatus.READY)
        .order_by("-number")
        .first()
    )


def twin_newest_version(*, memorial_id: uuid.UUID | str) -> TwinVersion | None:
    """The newest build, whatever its state (the one the progress bar follows)."""
    return (
        TwinVersion.objects.select_related("twin")
        .filter(twin__memorial_id=memorial_id)
        .order_by("-number")
        .first()
    )
