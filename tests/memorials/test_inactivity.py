"""The inactivity fallback: warnings to the subject at set times, then the stewards told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from core.audit import audit_events_for
from memorials.activation.approvals import activation_approve
from memorials.activation.keys import activation_key_issue
from memorials.activation.requests import activation_start
from memorials.inactivity import inactive_from, inactivity_check
from memorials.models import InactivityWatch
from memorials.tasks import memorial_inactivity_check
from tests.memorials.conftest import certificate_upload
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db

SEEN = datetime(2024, 3, 10, 9, 0, tzinfo=UTC)
DUE = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # 12 months later


@pytest.fixture(autouse=True)
def schedule(settings):
    settings.INACTIVITY_MONTHS = 12
    settings.INACTIVITY_WARNING_DAYS = [0, 7, 14, 21]
    settings.INACTIVITY_STEWARD_NOTICE_DAYS = 28


@pytest.fixture
def watched(memorial, steward):
    memorial.subject.last_login = SEEN
    memorial.subject.save(update_fields=["last_login"])
    return memorial


def run(now, capture):
    with capture(execute=True):
        return inactivity_check(now=now)


def test_inactivity_starts_the_same_day_months_later_or_on_the_months_last(settings):
    assert inactive_from(seen_at=SEEN) == DUE
    settings.INACTIVITY_MONTHS = 1
    jan_31 = datetime(2024, 1, 31, 9, 0, tzinfo=UTC)
    assert inactive_from(seen_at=jan_31) == datetime(2024, 2, 29, 9, 0, tzinfo=UTC)
    settings.INACTIVITY_MONTHS = 3
    nov_5 = datetime(2024, 11, 5, tzinfo=UTC)
    assert inactive_from(seen_at=nov_5) == datetime(2025, 2, 5, tzinfo=UTC)


def test_warnings_at_the_set_times_then_the_stewards(
    watched, steward, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    subject_mail = lambda: [m for m in mail.outbox if m.to == [watched.subject.email]]  # noqa: E731
    steward_mail = lambda: [m for m in mail.outbox if m.to == [steward.email]]  # noqa: E731
    # before the threshold: nothing
    assert run(DUE - timedelta(days=1), capture)["warned"] == 0
    assert not mail.outbox
    # at the threshold: the first warning, once however often the sweep runs that day
    assert run(DUE, capture)["warned"] == 1
    assert run(DUE + timedelta(hours=3), capture)["warned"] == 0
    assert len(subject_mail()) == 1
    assert "reminder 1 of 4" in subject_mail()[0].body
    # then weekly
    assert run(DUE + timedelta(days=6), capture)["warned"] == 0
    for week, day in enumerate([7, 14, 21], start=2):
        assert run(DUE + timedelta(days=day), capture)["warned"] == 1
        assert f"reminder {week} of 4" in subject_mail()[-1].body
    assert run(DUE + timedelta(days=27), capture) == {
        "warned": 0, "stewards_notified": 0, "failed": 0,
    }  # fmt: skip
    assert not steward_mail()
    # then the stewards are told, once
    assert run(DUE + timedelta(days=28), capture)["stewards_notified"] == 1
    assert run(DUE + timedelta(days=40), capture)["stewards_notified"] == 0
    assert len(steward_mail()) == 1
    assert "/activation/" in steward_mail()[0].body
    assert len(subject_mail()) == 4
    actions = [e.action for e in audit_events_for(memorial_id=watched.id)]
    assert actions.count("activation.inactivity_warning") == 4
    assert actions.count("activation.stewards_notified") == 1


def test_a_missed_day_does_not_send_a_burst(watched, django_capture_on_commit_callbacks):
    # the sweep did not run for three weeks: one warning now, the next ones on later runs
    assert run(DUE + timedelta(days=21), django_capture_on_commit_callbacks)["warned"] == 1
    assert InactivityWatch.objects.get(memorial=watched).warnings_sent == 1


def test_signing_in_starts_the_count_again(watched, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    run(DUE, capture)
    run(DUE + timedelta(days=7), capture)
    # the subject signs in
    watched.subject.last_login = DUE + timedelta(days=8)
    watched.subject.save(update_fields=["last_login"])
    assert run(DUE + timedelta(days=28), capture) == {
        "warned": 0, "stewards_notified": 0, "failed": 0,
    }  # fmt: skip
    assert not InactivityWatch.objects.filter(memorial=watched).exists()  # that cycle is over
    # a year after that sign-in, the warnings begin again from the first
    assert run(DUE + timedelta(days=8) + timedelta(days=365), capture)["warned"] == 1
    assert InactivityWatch.objects.get(memorial=watched).warnings_sent == 1


def test_memorials_without_stewards_or_already_activated_are_not_watched(
    watched, pending, second_steward, django_capture_on_commit_callbacks
):
    lonely = MemorialFactory()
    lonely.subject.last_login = SEEN
    lonely.subject.save(update_fields=["last_login"])
    activation_approve(activation=pending, approver=second_steward)
    assert run(DUE, django_capture_on_commit_callbacks)["warned"] == 0
    assert not InactivityWatch.objects.exists()


def test_after_the_fallback_an_activation_needs_no_notice_period(
    watched, steward, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    for day in (0, 7, 14, 21, 28):
        run(DUE + timedelta(days=day), capture)
    key = activation_key_issue(memorial=watched, steward=steward)
    now = DUE + timedelta(days=30)
    activation = activation_start(
        memorial=watched, steward=steward, key=key, certificate=certificate_upload(), now=now
    )
    assert activation.approvable_at == now


def test_the_daily_task_runs_the_sweep(watched):
    result = memorial_inactivity_check.apply().get()
    assert result["warned"] == 1  # SEEN is long past
    assert InactivityWatch.objects.get(memorial=watched).warnings_sent == 1
