"""Reads about a memorial's twin: the version that serves, the newest build."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from consent.gate import consent_is_granted
from core.consent import ConsentScope
from core.queries import compiled_objects
from corpus.writing import subject_passages_count
from twins.models import BuildStatus, Twin, TwinVersion
from twins.services.build import twin_build_event_data


def twin_get(*, memorial_id: uuid.UUID | str) -> Twin | None:
    return Twin.objects.filter(memorial_id=memorial_id).first()


def _serving_of(memorial_id: uuid.UUID, status: str) -> QuerySet[TwinVersion]:
    return (
        TwinVersion.objects.select_related("twin")
        .filter(twin__memorial_id=memorial_id)
        .filter(status=status)
        .order_by("-number")[:1]
    )


def twin_serving(*, memorial_id: uuid.UUID | str) -> TwinVersion | None:
    """The newest ready version: the one that answers. A failed or running build never
    replaces it. (Read on every reply: its query compiled once, `core.queries`.)"""
    found = compiled_objects(
        _serving_of,
        (uuid.UUID(int=0), "probe-status"),
        [uuid.UUID(str(memorial_id)), BuildStatus.READY],
    )
    return found[0] if found else None


def twin_newest_version(*, memorial_id: uuid.UUID | str) -> TwinVersion | None:
    """The newest build, whatever its state (the one the progress bar follows)."""
    return (
        TwinVersion.objects.select_related("twin")
        .filter(twin__memorial_id=memorial_id)
        .order_by("-number")
        .first()
    )


def twin_card(*, memorial_id: uuid.UUID, is_subject: bool) -> dict[str, Any]:
    """What the twin card shows (the memorial page and the twin page share it)."""
    newest = twin_newest_version(memorial_id=memorial_id)
    return {
        "twin": twin_get(memorial_id=memorial_id),
        "newest": newest,
        "serving": twin_serving(memorial_id=memorial_id),
        "build": twin_build_event_data(newest) if newest is not None else None,
        "writing_count": subject_passages_count(memorial_id=memorial_id) if is_subject else None,
        "corpus_consented": consent_is_granted(memorial_id=memorial_id, scope=ConsentScope.CORPUS),
        "is_subject": is_subject,
    }
