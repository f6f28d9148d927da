"""A twin built before its writing changed is stale: the subject is offered a rebuild, and
the nightly sweep (`twins.sweeps.twins_stale_rebuild`) makes one."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone

from core.events import EventKind, event_send_on_commit
from twins.models import Twin
from twins.services.build import twin_build_event_data


def twin_mark_stale(*, memorial_id: uuid.UUID | str, reason: str, **kwargs: Any) -> bool:
    """Receiver of `corpus.signals.corpus_changed`. A twin with at least one version
    becomes stale (once: the first reason is kept until a build starts). True if it did."""
    marked = Twin.objects.filter(
        memorial_id=memorial_id, stale_since__isnull=True, versions__isnull=False
    ).distinct()
    twin = marked.first()
    if twin is None:
        return False
    Twin.objects.filter(pk=twin.pk, stale_since__isnull=True).update(
        stale_since=timezone.now(), stale_reason=reason[:200]
    )
    twin.refresh_from_db()
    newest = twin.versions.order_by("-number").first()
    if newest is not None:
        event_send_on_commit(
            memorial_id=memorial_id,
            kind=EventKind.TWIN_BUILD,
            data=twin_build_event_data(newest),
        )
    return True
