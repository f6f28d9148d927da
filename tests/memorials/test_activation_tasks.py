"""The daily sweeps, run by a real Celery worker process."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from memorials.models import InactivityWatch, Role
from memorials.tasks import memorial_inactivity_check, memorial_sunset_check
from tests.memorials.factories import MembershipFactory, MemorialFactory


@pytest.mark.worker
def test_the_daily_sweeps_run_in_a_worker(celery_worker_process):
    # given a subject with a steward, not seen for years
    memorial = MemorialFactory()
    MembershipFactory(memorial=memorial, role=Role.STEWARD)
    memorial.subject.last_login = datetime(2020, 1, 1, tzinfo=UTC)
    memorial.subject.save(update_fields=["last_login"])
    # when beat's tasks run in the worker
    warned = memorial_inactivity_check.delay().get(timeout=60)
    closed = memorial_sunset_check.delay().get(timeout=60)
    # then the subject has their first warning, and nothing closed
    assert warned == {"warned": 1, "stewards_notified": 0, "failed": 0}
    assert closed == {"closed": 0, "erased": 0, "failed": 0}
    assert InactivityWatch.objects.get(memorial=memorial).warnings_sent == 1
