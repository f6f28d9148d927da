"""Imported by a real Celery worker a test starts (`celery worker --include`): the persona
step of a twin build waits, before doing anything, until the test lets it go. The test
kills the worker while it waits: a worker dying in the middle of a build.

The step writes `<LEGACY_TEST_HOLD_DIR>/holding` as it starts waiting, and goes on once
`<LEGACY_TEST_HOLD_DIR>/release` exists."""

from __future__ import annotations

import os
import time
from pathlib import Path

from twins.services import build

HOLD_DIR = Path(os.environ["LEGACY_TEST_HOLD_DIR"])


def _held(step: build.BuildStep) -> build.BuildStep:
    def run(*, version, progress) -> None:  # type: ignore[no-untyped-def]
        (HOLD_DIR / "holding").write_text(str(os.getpid()))
        deadline = time.monotonic() + 120
        while not (HOLD_DIR / "release").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        step.run(version=version, progress=progress)

    return build.BuildStep(step.name, step.label, run, step.weight)


build.BUILD_STEPS = tuple(
    _held(step) if step.name == "persona" else step for step in build.BUILD_STEPS
)
