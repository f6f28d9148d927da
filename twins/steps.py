"""One step of a twin build, as the step sees it: how far it has got, and where it writes.

A step computes outside any transaction (reading the subject's words through the gated
corpus selectors, calling a provider), reports its progress with `total` and `advance`, and
writes its rows inside `committing()`: one transaction that holds the corpus consent, takes
the version's row lock, and marks the step done as it commits. So a step is stored whole or
not at all, and a build delivered twice (a worker that died, a redelivery) skips a step the
other delivery already finished (`StepAlreadyDone`)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from core.consent import ConsentScope
from core.tasks import memorial_step, step_check
from twins.models import TwinVersion

PROGRESS_INTERVAL_S = 1.0


class StepAlreadyDone(Exception):
    """Another delivery of this build committed the step first: this one's work is dropped."""


@dataclass
class StepProgress:
    version: TwinVersion
    step: str
    on_progress: Callable[[TwinVersion], None]  # sends the build's progress event
    _last_sent: float = field(default=0.0, init=False)

    @property
    def memorial_id(self):  # type: ignore[no-untyped-def]
        return self.version.twin.memorial_id

    def total(self, units: int) -> None:
        """This step has `units` of work (passages, batches...)."""
        self.version.step_total = max(units, 0)
        self.version.step_done = 0
        self._save(force=True)

    def advance(self, units: int = 1) -> None:
        """`units` more are done; stops the step (ConsentRequired) if consent was withdrawn."""
        step_check(memorial_id=self.memorial_id, scope=ConsentScope.CORPUS)
        self.version.step_done = min(self.version.step_done + units, self.version.step_total)
        self._save()

    @contextlib.contextmanager
    def committing(self) -> Iterator[TwinVersion]:
        """Write the step's rows in here; the step is marked done in the same transaction.
        Raises StepAlreadyDone (and writes nothing) if another delivery finished it."""
        with memorial_step(memorial_id=self.memorial_id, scope=ConsentScope.CORPUS):
            locked = TwinVersion.objects.select_for_update().get(pk=self.version.pk)
            if self.step in locked.steps_done:
                raise StepAlreadyDone(self.step)
            yield locked
            locked.steps_done = [*locked.steps_done, self.step]
            locked.heartbeat_at = timezone.now()
            locked.save(update_fields=["steps_done", "heartbeat_at", "updated_at"])
            self.version.steps_done = locked.steps_done

    def _save(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_sent < PROGRESS_INTERVAL_S:
            return
        self._last_sent = now
        TwinVersion.objects.filter(pk=self.version.pk).update(
            step_done=self.version.step_done,
            step_total=self.version.step_total,
            heartbeat_at=timezone.now(),
        )
        self.on_progress(self.version)
