"""Queuing twin builds: a new version, "Try again" on a failed one, the builds whose worker
died, and the nightly rebuild of stale twins. Each refuses without the corpus consent."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from consent.gate import consent_is_granted
from core.audit import audit_record
from core.consent import ConsentRequired, ConsentScope
from twins.models import BuildStatus, Twin, TwinVersion
from twins.models.twin import UNFINISHED
from twins.services.build import (
    twin_build_event_on_commit,
    twin_build_stopped,
    twin_builds_stalled,
)
from twins.tasks import twin_build

logger = logging.getLogger(__name__)


class BuildNotRetryable(Exception):
    """Only the newest version, failed, can be tried again (and not while another runs)."""


def twin_build_start(*, memorial_id: uuid.UUID | str, actor: Any | None) -> TwinVersion:
    """Queue a new version of the memorial's twin, or return the build already under way.
    Refuses (ConsentRequired) without the corpus consent. `actor` None: the nightly rebuild."""
    with transaction.atomic():
        twin, _ = Twin.objects.get_or_create(memorial_id=memorial_id)
        twin = Twin.objects.select_for_update().get(pk=twin.pk)
        running = twin.versions.filter(status__in=UNFINISHED).first()
        if running is not None:
            return running
        number = (twin.versions.aggregate(last=Max("number"))["last"] or 0) + 1
        version = TwinVersion.objects.create(twin=twin, number=number)
        twin_build.enqueue(memorial_id=twin.memorial_id, version_id=str(version.id))
        twin.stale_since, twin.stale_reason = None, ""
        twin.save(update_fields=["stale_since", "stale_reason", "updated_at"])
        audit_record(
            action="twins.build_start",
            memorial_id=twin.memorial_id,
            actor=actor,
            data={"version": number, "nightly": actor is None},
        )
        twin_build_event_on_commit(version)
    return version


def twin_build_retry(*, version: TwinVersion, actor: Any) -> TwinVersion:
    """ "Try again": the failed build resumes at the step it stopped on."""
    with transaction.atomic():
        twin = Twin.objects.select_for_update().get(pk=version.twin_id)
        locked = TwinVersion.objects.select_for_update().get(pk=version.pk)
        newest = twin.versions.order_by("-number").first()
        if locked.status != BuildStatus.FAILED or newest is None or newest.pk != locked.pk:
            raise BuildNotRetryable(
                "Only the latest build, when it could not finish, can be tried again."
            )
        twin_build.enqueue(memorial_id=twin.memorial_id, version_id=str(locked.id))
        locked.status, locked.failure, locked.finished_at = BuildStatus.QUEUED, "", None
        locked.save(update_fields=["status", "failure", "finished_at", "updated_at"])
        audit_record(
            action="twins.build_retry",
            memorial_id=twin.memorial_id,
            actor=actor,
            data={"version": locked.number},
        )
        twin_build_event_on_commit(locked)
    return locked


def twin_builds_requeue() -> int:
    """Queue again each unfinished build whose worker died; stop those whose consent went.
    Running one twice is safe (`twins.steps`). Returns how many were queued."""
    queued = 0
    for version in twin_builds_stalled():
        memorial_id = version.twin.memorial_id
        try:
            with transaction.atomic():
                twin_build.enqueue(memorial_id=memorial_id, version_id=str(version.id))
                TwinVersion.objects.filter(pk=version.pk).update(heartbeat_at=timezone.now())
            queued += 1
        except ConsentRequired:
            twin_build_stopped(version_id=version.id)
    if queued:
        logger.info("queued again %d twin builds whose worker stopped", queued)
    return queued


def twins_stale_rebuild() -> int:
    """Start a build of each stale twin whose corpus consent is live. Returns how many."""
    started = 0
    for twin in Twin.objects.filter(stale_since__isnull=False):
        if not consent_is_granted(memorial_id=twin.memorial_id, scope=ConsentScope.CORPUS):
            continue
        try:
            twin_build_start(memorial_id=twin.memorial_id, actor=None)
            started += 1
        except ConsentRequired:
            continue
    return started
