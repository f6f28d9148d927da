"""A twin build through real Celery workers, one of them killed in the middle of the build."""

from __future__ import annotations

import os
import signal
import time

import pytest

from core.consent import ConsentScope
from tests.conftest import celery_worker_start, celery_worker_stop
from tests.consent.factories import grant_consent
from tests.corpus.conftest import ingest
from tests.memorials.factories import MemorialFactory
from twins.models import BuildStatus, StylePortrait, TwinVersion
from twins.selectors import twin_serving
from twins.services.versions import twin_build_start, twin_builds_requeue

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LETTERS = "\n\n".join(
    f"# 2019-0{month}-1{day}\nDear Tom, the garden is full of roses this year. "
    f"I think of you every time I walk to the harbour. Love, Ann"
    for month in range(1, 9)
    for day in range(0, 9)
).encode()


def wait_for(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)


def test_a_worker_killed_mid_build_is_replaced_and_the_build_resumes_where_it_was(
    tmp_path, settings
):
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, ConsentScope.CORPUS)
    ingest(memorial, "journal.txt", LETTERS)
    hold = {"LEGACY_TEST_HOLD_DIR": str(tmp_path)}
    first = celery_worker_start(env=hold, include="tests.twins.worker_hold")
    try:
        # given a build whose worker has finished the portrait and is in the persona step
        version = twin_build_start(memorial_id=memorial.id, actor=memorial.subject)
        wait_for(lambda: (tmp_path / "holding").exists(), seconds=90, what="the persona step")
        version.refresh_from_db()
        assert version.steps_done == ["portrait"]
        assert version.status == BuildStatus.BUILDING
        portraits = set(StylePortrait.objects.filter(version=version).values_list("id", flat=True))
        assert portraits, "the portrait step stored nothing"

        # when that worker is killed outright
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        celery_worker_stop(first)
    (tmp_path / "release").write_text("go")
    second = celery_worker_start(env=hold, include="tests.twins.worker_hold")
    try:
        # and the sweep finds the build with no sign of its worker
        settings.TWIN_BUILD_STALL_SECONDS = 1
        time.sleep(1.5)
        assert twin_builds_requeue() == 1
        wait_for(
            lambda: TwinVersion.objects.get(pk=version.pk).is_finished,
            seconds=120,
            what="the build to finish on the second worker",
        )
    finally:
        celery_worker_stop(second)

    # then it finished from the persona step: the portrait was not made again
    version.refresh_from_db()
    assert version.status == BuildStatus.READY, version.failure
    assert version.steps_done == ["portrait", "persona", "voice"]
    assert set(StylePortrait.objects.filter(version=version).values_list("id", flat=True)) == (
        portraits
    )
    assert twin_serving(memorial_id=memorial.id) == version
