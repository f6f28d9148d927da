"""Running a twin build: its steps, its progress, its end (ready, failed or stopped).

A build is a `TwinVersion` made of the steps in `BUILD_STEPS`, each committed whole
(`twins.steps`). The newest ready version serves; a build that fails or stops leaves the
serving one as it was. Progress goes to the subject and the stewards as `twin.build` events.
Starting, retrying and resuming builds (which queue the task) live in `twins.services.versions`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from consent.gate import consent_require
from core.audit import audit_record
from core.consent import ConsentScope
from core.events import EventKind, event_send_on_commit, event_send_progress
from twins.models import BuildStatus, Twin, TwinVersion
from twins.models.twin import UNFINISHED
from twins.persona.build import persona_build
from twins.portrait.build import portrait_build
from twins.steps import StepAlreadyDone, StepProgress

logger = logging.getLogger(__name__)


# The voice step is the voice app's (it makes the voice clone); twins must not import voice,
# so the voice app registers it here from `VoiceConfig.ready`. Its run(*, version, progress)
# returns a note in plain words for the build's progress ("" if there is nothing to say),
# e.g. why no clone was made; it raises what build steps raise (TransientError to retry).
VoiceStepRun = Callable[..., str]
_voice_step_run: list[VoiceStepRun] = []


def voice_step_register(run: VoiceStepRun) -> None:
    """The voice app fills the build's voice step (one: a second registration replaces it)."""
    _voice_step_run[:] = [run]


def voice_step(*, version: TwinVersion, progress: StepProgress) -> None:
    """The voice step as the voice app registered it. With none registered it is done with
    nothing written; a note it returns is kept on the build (`TwinVersion.notes`, shown
    after it ends) and goes out on the build's progress."""
    for run in _voice_step_run:
        if note := run(version=version, progress=progress):
            if note not in version.notes:  # a step delivered again says it once
                version.notes = [*version.notes, note]
                TwinVersion.objects.filter(pk=version.pk).update(notes=version.notes)
            twin_build_event_progress(version, notice=note)


@dataclass(frozen=True)
class BuildStep:
    name: str
    label: str  # what the progress bar says while it runs
    run: Callable[..., None]  # run(*, version, progress)
    weight: float  # its share of the whole build's time, roughly


BUILD_STEPS: tuple[BuildStep, ...] = (
    BuildStep("portrait", "Reading how you write", portrait_build, 1.0),
    BuildStep("persona", "Gathering what you know and care about", persona_build, 4.0),
    BuildStep("voice", "Your voice", voice_step, 0.5),
)
STEP_LABELS = {step.name: step.label for step in BUILD_STEPS}

STOPPED_MESSAGE = "Stopped because you withdrew your consent to use your writing."
FAILED_MESSAGE = "Something went wrong on our side while building. Nothing was lost."
# Versions kept besides the serving one: the one before it (to compare), and unfinished ones.
READY_VERSIONS_KEPT = 2


# --- reading the state ----------------------------------------------------------------


def build_percent(version: TwinVersion) -> int:
    total = sum(step.weight for step in BUILD_STEPS)
    done = sum(step.weight for step in BUILD_STEPS if step.name in version.steps_done)
    if version.step and version.step not in version.steps_done and version.step_total:
        weight = next((s.weight for s in BUILD_STEPS if s.name == version.step), 0.0)
        done += weight * version.step_done / version.step_total
    if version.status == BuildStatus.READY:
        return 100
    return min(99, int(100 * done / total))


def build_seconds_left(version: TwinVersion, percent: int) -> int | None:
    """Time left, from the pace so far; None until a twentieth is done."""
    if version.status != BuildStatus.BUILDING or version.started_at is None or percent < 5:
        return None
    elapsed = (timezone.now() - version.started_at).total_seconds()
    return max(1, int(elapsed * (100 - percent) / percent))


def twin_build_event_data(version: TwinVersion, *, notice: str = "") -> dict[str, Any]:
    twin = version.twin
    percent = build_percent(version)
    data: dict[str, Any] = {
        "version_id": str(version.id),
        "number": version.number,
        "status": version.status,
        "status_label": BuildStatus(version.status).label,
        "step": version.step,
        "step_label": STEP_LABELS.get(version.step, ""),
        "percent": percent,
        "seconds_left": build_seconds_left(version, percent),
        "failure": version.failure,
        "stale": twin.stale_since is not None,
        "stale_reason": twin.stale_reason,
        "notes": list(version.notes),
    }
    if notice:
        data["notice"] = notice
    return data


def twin_build_event_on_commit(version: TwinVersion) -> None:
    event_send_on_commit(
        memorial_id=version.twin.memorial_id,
        kind=EventKind.TWIN_BUILD,
        data=twin_build_event_data(version),
    )


def twin_build_event_progress(version: TwinVersion, *, notice: str = "") -> None:
    event_send_progress(
        memorial_id=version.twin.memorial_id,
        kind=EventKind.TWIN_BUILD,
        data=twin_build_event_data(version, notice=notice),
    )


# --- running --------------------------------------------------------------------------


def twin_build_run(*, version_id: uuid.UUID | str) -> TwinVersion | None:
    """Run the build's steps not yet done, in order, then mark it ready. Safe to run twice
    and to run again after a worker died: finished steps are skipped, and a step the other
    delivery commits first is dropped here. Raises what its steps raise (TransientError to
    retry, ConsentRequired when the consent was withdrawn)."""
    memorial_id = (
        Twin.objects.filter(versions__id=version_id).values_list("memorial_id", flat=True).first()
    )
    if memorial_id is None:
        return None
    consent_require(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
    version = _version_start(version_id)
    if version is None:
        return None
    for step in BUILD_STEPS:
        if step.name in version.steps_done:
            continue
        version.step, version.step_done, version.step_total = step.name, 0, 0
        TwinVersion.objects.filter(pk=version.pk).update(
            step=step.name, step_done=0, step_total=0, heartbeat_at=timezone.now()
        )
        twin_build_event_progress(version)
        progress = StepProgress(
            version=version, step=step.name, on_progress=twin_build_event_progress
        )
        try:
            step.run(version=version, progress=progress)
            if step.name not in version.steps_done:  # a step that had nothing to write
                with progress.committing():
                    pass
        except StepAlreadyDone:
            version.refresh_from_db()
    return _version_finish(version)


def _version_start(version_id: uuid.UUID | str) -> TwinVersion | None:
    with transaction.atomic():
        version = (
            TwinVersion.objects.select_for_update()
            .select_related("twin")
            .filter(pk=version_id)
            .first()
        )
        if version is None or version.is_finished:
            return None
        now = timezone.now()
        version.status = BuildStatus.BUILDING
        version.started_at = version.started_at or now
        version.heartbeat_at = now
        version.save(update_fields=["status", "started_at", "heartbeat_at", "updated_at"])
        twin_build_event_on_commit(version)
    return version


def _version_finish(version: TwinVersion) -> TwinVersion:
    with transaction.atomic():
        locked = TwinVersion.objects.select_for_update().select_related("twin").get(pk=version.pk)
        if locked.status != BuildStatus.BUILDING:
            return locked
        locked.status = BuildStatus.READY
        locked.step, locked.step_done, locked.step_total = "", 0, 0
        locked.finished_at = timezone.now()
        locked.save(
            update_fields=["status", "step", "step_done", "step_total", "finished_at", "updated_at"]
        )
        _versions_prune(locked.twin)
        audit_record(
            action="twins.build_ready",
            memorial_id=locked.twin.memorial_id,
            actor=None,
            data={"version": locked.number},
        )
        twin_build_event_on_commit(locked)
    return locked


def _versions_prune(twin: Twin) -> None:
    """Keep the newest ready versions (the serving one and the one before) and anything
    newer; older versions, and failed or stopped ones older than the serving, go."""
    ready = list(
        twin.versions.filter(status=BuildStatus.READY)
        .order_by("-number")
        .values_list("number", flat=True)[:READY_VERSIONS_KEPT]
    )
    if not ready:
        return
    twin.versions.filter(number__lt=min(ready)).delete()
    twin.versions.filter(
        number__lt=max(ready), status__in=(BuildStatus.FAILED, BuildStatus.STOPPED)
    ).delete()


def twin_build_failed(*, version_id: uuid.UUID | str, reason: str = FAILED_MESSAGE) -> None:
    """The build stops here with `reason` (plain words); "Try again" resumes it."""
    _version_end(version_id, status=BuildStatus.FAILED, reason=reason)


def twin_build_stopped(*, version_id: uuid.UUID | str) -> None:
    """The corpus consent was withdrawn: the build stops and says why."""
    _version_end(version_id, status=BuildStatus.STOPPED, reason=STOPPED_MESSAGE)


def _version_end(version_id: uuid.UUID | str, *, status: str, reason: str) -> None:
    with transaction.atomic():
        version = (
            TwinVersion.objects.select_for_update()
            .select_related("twin")
            .filter(pk=version_id, status__in=UNFINISHED)
            .first()
        )
        if version is None:
            return
        version.status, version.failure = status, reason
        version.finished_at = timezone.now()
        version.save(update_fields=["status", "failure", "finished_at", "updated_at"])
        twin_build_event_on_commit(version)


def twin_build_waiting(*, version_id: uuid.UUID | str, notice: str) -> None:
    """A provider failed and the build will try again after a pause: say so, live."""
    version = TwinVersion.objects.select_related("twin").filter(pk=version_id).first()
    if version is not None and not version.is_finished:
        twin_build_event_progress(version, notice=notice)


def twin_builds_stalled() -> list[TwinVersion]:
    """Unfinished builds with no sign of a worker for LEGACY_TWIN_BUILD_STALL_SECONDS: their
    worker died (or their message was lost) and they must be queued again."""
    since = timezone.now() - timedelta(seconds=settings.TWIN_BUILD_STALL_SECONDS)
    return list(
        TwinVersion.objects.select_related("twin")
        .filter(status__in=UNFINISHED)
        .filter(Q(heartbeat_at__lt=since) | Q(heartbeat_at__isnull=True, updated_at__lt=since))
    )
