"""Background work bound to a consent scope.

Two guarantees make a withdrawal act at once on work:
- queued work is dropped: `consent_task_enqueue` tracks each task it queues under its
  memorial and scope, and `consent_revoke` revokes those task ids at the workers;
- running work stops at its next step, writing nothing half: each step holds the gate
  (`consent.gate.consent_hold`) inside its transaction.
A revoke message can miss a worker that restarts, so a task still checks the gate when it
starts (its service calls `consent_require`); the revoke only spares it the trip.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from celery import Task, current_app
from django.db import transaction

from core.consent import consent_gate
from core.models import TrackedTask


def consent_task_enqueue(
    *,
    task: Task,
    memorial_id: uuid.UUID | str,
    scope: str,
    kwargs: dict[str, Any] | None = None,
    countdown: float | None = None,
) -> str:
    """Queue `task` (after commit) as work under `scope`; refuses without live consent.

    Returns the Celery task id. Call it inside the transaction that made the work."""
    consent_gate().require(memorial_id=memorial_id, scope=scope)
    task_id = str(uuid.uuid4())
    TrackedTask.objects.create(
        memorial_id=memorial_id, scope=scope, task_id=task_id, task_name=task.name
    )
    transaction.on_commit(
        lambda: task.apply_async(kwargs=kwargs or {}, task_id=task_id, countdown=countdown)
    )
    return task_id


def consent_tasks_take(*, memorial_id: uuid.UUID | str, scope: str) -> list[str]:
    """Forget the tracked tasks of a memorial's scope and return their ids (to revoke)."""
    tracked = TrackedTask.objects.filter(memorial_id=memorial_id, scope=scope)
    task_ids = list(tracked.values_list("task_id", flat=True))
    tracked.delete()
    return task_ids


def consent_tasks_revoke(task_ids: Iterable[str]) -> None:
    """Tell every worker to drop these tasks (queued, or waiting for their countdown)."""
    task_ids = list(task_ids)
    if task_ids:
        current_app.control.revoke(task_ids)


def tracked_task_finished(task_id: str | None = None, **kwargs: Any) -> None:
    """Celery `task_postrun` receiver: a finished task is no longer tracked."""
    if task_id:
        TrackedTask.objects.filter(task_id=task_id).delete()
