"""Background work about a memorial, bound to a consent scope: the one task base.

Every Celery task that reads, derives or writes a memorial's data subclasses `MemorialTask`
(in the spirit of pretix's EventTask) and names its `scope`. The base gives, by construction:

- **queued only through `enqueue`**, inside the transaction that made the work: it refuses
  without live consent, records the task under its memorial and scope (`TrackedTask`), and
  sends it after commit. `delay` is refused. A withdrawal (`memorial_tasks_withdraw`) revokes
  the memorial's tracked tasks of that scope at the workers and, once it has committed, tells
  each of them through its `consent_withdrawn` hook that it will not run (an upload then says
  it was stopped);
- **checked when it starts**: a revoke can miss a worker that restarts, so a task whose
  memorial was erased (its key destroyed) returns at once, and one whose consent is gone calls
  `consent_withdrawn` and returns;
- **steps that hold consent**: services write through `memorial_step`, a transaction that checks
  the consent as it opens and share-locks the consent record (`consent_hold`) just before it
  commits. A withdrawal that committed first makes the step roll back whole (ConsentRequired);
  one that comes after the lock waits for the commit, a moment. Long steps call
  `step_check` between batches to stop early. A step never commits after a withdrawal;
- **its retry policy**: database and provider errors (`TransientError`) retry with exponential
  backoff and jitter; `acks_late` and `reject_on_worker_lost`, so a task whose worker died is
  delivered again (tasks are written to be safe to run twice).

Work that only removes data (deleting remote voice clones after a withdrawal) sets
`scope = None`: it needs no consent, and is still tracked, checked for erasure and retried.
Tasks that are not about one memorial (daily sweeps, mail) use `KernelTask` for the retries.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from celery import Task, current_app
from django.db import DatabaseError, InterfaceError, OperationalError, transaction

from core.consent import ConsentRequired, consent_gate
from core.crypto import memorial_erased
from core.models import TrackedTask

logger = logging.getLogger(__name__)


class TransientError(Exception):
    """A provider or service failed in a way worth trying again later (a timeout, a 5xx)."""


class KernelTask(Task):
    """Retries what is worth retrying, with backoff and jitter; acknowledged late."""

    abstract = True
    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = (OperationalError, InterfaceError, TransientError)
    retry_backoff = 2
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 8


class MemorialTask(KernelTask):
    """A task about one memorial. Subclasses set `scope` and take `memorial_id` as a keyword
    argument (plus other ids); queue them with `enqueue`."""

    abstract = True
    scope: str | None = None

    def enqueue(
        self, *, memorial_id: uuid.UUID | str, countdown: float | None = None, **kwargs: Any
    ) -> str:
        """Queue this task for `memorial_id` after the current transaction commits; refuses
        (ConsentRequired) without live consent for its scope. Returns the task id."""
        if self.scope is not None:
            consent_gate().require(memorial_id=memorial_id, scope=self.scope)
        task_id = str(uuid.uuid4())
        arguments = {"memorial_id": str(memorial_id), **kwargs}
        TrackedTask.objects.create(
            memorial_id=memorial_id,
            scope=self.scope or "",
            task_id=task_id,
            task_name=self.name,
            kwargs=arguments,
        )
        transaction.on_commit(
            lambda: self.apply_async(kwargs=arguments, task_id=task_id, countdown=countdown)
        )
        return task_id

    def delay(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{self.name} is memorial work: queue it with .enqueue(memorial_id=...)")

    def consent_withdrawn(self, **kwargs: Any) -> None:
        """Called when this work will not run or stopped part way because its consent was
        withdrawn (with the task's keyword arguments). Record it where the person sees it."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        memorial_id = kwargs.get("memorial_id")
        if memorial_id is None:
            raise TypeError(f"{self.name} must be called with memorial_id=")
        try:
            # Erased, then consent: one round trip when there is a consent to check.
            erased = (
                memorial_erased(memorial_id=memorial_id)
                if self.scope is None
                else consent_gate().start(memorial_id=memorial_id, scope=self.scope)
            )
            if erased:
                logger.info("%s skipped: its memorial was erased", self.name)
                return None
            return super().__call__(*args, **kwargs)
        except ConsentRequired:
            logger.info("%s stopped: consent %s was withdrawn", self.name, self.scope)
            self.consent_withdrawn(**kwargs)
            return None


@contextlib.contextmanager
def memorial_step(
    *, memorial_id: uuid.UUID | str, scope: str, held: bool = False
) -> Iterator[None]:
    """One step of background work: a transaction that commits only while consent `scope`
    is live. Raises ConsentRequired (and writes nothing) when it was withdrawn before the
    step could commit. Nested in another transaction, it is a savepoint of it.

    `held`: for a short step (one chunk of a reply: a row updated), the record is
    share-locked as the step opens, one query that both checks and holds it, rather than
    checked as it opens and locked just before it commits (which keeps a long step from
    making a withdrawal wait for all of it). Either way a withdrawal that committed first
    makes the step raise, and one that comes later waits for the step's commit."""
    gate = consent_gate()
    with transaction.atomic():
        if held:
            gate.hold(memorial_id=memorial_id, scope=scope)
            yield
            return
        gate.require(memorial_id=memorial_id, scope=scope)
        yield
        gate.hold(memorial_id=memorial_id, scope=scope)


def step_check(*, memorial_id: uuid.UUID | str, scope: str) -> None:
    """Inside a long step, between batches: stop now (ConsentRequired) if `scope` was
    withdrawn, rather than at the commit."""
    consent_gate().require(memorial_id=memorial_id, scope=scope)


# --- Withdrawal and erasure ------------------------------------------------------------


def memorial_tasks_withdraw(*, memorial_id: uuid.UUID | str, scope: str) -> list[str]:
    """Within the withdrawal's transaction: forget the memorial's tracked tasks of `scope`;
    once it commits, revoke them at the workers and tell each that it will not run. (Told
    after the commit, not inside it: a step that holds its own rows while it waits for the
    consent would otherwise wait for the withdrawal as the withdrawal waits for it.)
    Returns their ids."""
    tracked = list(TrackedTask.objects.filter(memorial_id=memorial_id, scope=scope))
    task_ids = [row.task_id for row in tracked]
    TrackedTask.objects.filter(task_id__in=task_ids).delete()

    def tell_and_revoke() -> None:
        tasks_revoke(task_ids)
        for row in tracked:
            task = current_app.tasks.get(row.task_name)
            if isinstance(task, MemorialTask):
                task.consent_withdrawn(**row.kwargs)

    transaction.on_commit(tell_and_revoke, robust=True)
    return task_ids


def memorial_tasks_take(*, memorial_id: uuid.UUID | str) -> list[str]:
    """Forget every tracked task of the memorial, whatever its scope; their ids (to revoke).
    For the kill switch: nothing is told, there is nothing left to tell it to."""
    tracked = TrackedTask.objects.filter(memorial_id=memorial_id)
    task_ids = list(tracked.values_list("task_id", flat=True))
    tracked.delete()
    return task_ids


def tasks_revoke(task_ids: Iterable[str]) -> bool:
    """Tell every worker to drop these tasks (queued, or waiting for their countdown).
    False when the message could not be sent (the broker is down): each task then still
    checks its consent, and its memorial's key, as it starts."""
    task_ids = list(task_ids)
    if not task_ids:
        return True
    try:
        current_app.control.revoke(task_ids)
    except Exception:
        logger.exception("could not send the revocation of %d tasks", len(task_ids))
        return False
    return True


def tracked_task_finished(
    task_id: str | None = None, state: str | None = None, **kwargs: Any
) -> None:
    """Celery `task_postrun` receiver: a finished task is no longer tracked (a task waiting
    to retry still is, so a withdrawal still reaches it)."""
    if task_id and state != "RETRY":
        try:
            TrackedTask.objects.filter(task_id=task_id).delete()
        except DatabaseError:
            logger.exception("could not forget finished task %s", task_id)
