"""A twin build: versions, steps committed whole, resuming after a dead worker, failing
without replacing the version that serves, trying again, stopping on withdrawal, progress
to the subject and stewards only, staleness."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from consent.services import consent_revoke
from core.consent import ConsentRequired, ConsentScope
from core.events import Audience, memorial_audience_group
from core.models import TrackedTask
from core.tasks import TransientError
from corpus.models import Register
from corpus.services.documents import document_register_set
from tests.consent.factories import grant_consent
from tests.corpus.conftest import ingest
from tests.memorials.factories import MemorialFactory
from twins.models import BuildStatus, StylePortrait, Twin, TwinVersion
from twins.selectors import twin_serving
from twins.services import build
from twins.services.build import BuildStep, twin_build_run
from twins.services.versions import (
    BuildNotRetryable,
    twin_build_retry,
    twin_build_start,
    twin_builds_requeue,
    twins_stale_rebuild,
)
from twins.tasks import twin_build

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing on the way catches it."""


@pytest.fixture
def memorial():
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, ConsentScope.CORPUS)
    return memorial


class Steps:
    """Stand-in steps that record their calls; `portrait` writes a row, `persona` may fail."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.persona_error: BaseException | None = None

    def portrait(self, *, version, progress) -> None:
        self.calls.append("portrait")
        progress.total(2)
        progress.advance(2)
        with progress.committing():
            StylePortrait.objects.create(
                version=version, register=Register.FAMILY, features_encrypted=b"x"
            )

    def persona(self, *, version, progress) -> None:
        self.calls.append("persona")
        if self.persona_error is not None:
            raise self.persona_error

    def install(self, monkeypatch) -> Steps:
        monkeypatch.setattr(build, "BUILD_STEPS", (
            BuildStep("portrait", "Reading how you write", self.portrait, 1.0),
            BuildStep("persona", "Gathering", self.persona, 1.0),
            BuildStep("voice", "Your voice", build.voice_step, 0.1),
        ))  # fmt: skip
        return self


@pytest.fixture
def steps(monkeypatch) -> Steps:
    return Steps().install(monkeypatch)


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, dict]]:
    """Every event broadcast, with its group."""
    captured: list[tuple[str, dict]] = []
    monkeypatch.setattr(
        "core.events.layer_group_send",
        lambda *, group, message: captured.append((group, message)),
    )
    return captured


@pytest.mark.django_db(transaction=True)  # events go out as each step commits, in order
def test_a_build_runs_each_step_and_becomes_the_serving_version(memorial, steps, sent, monkeypatch):
    monkeypatch.setattr(twin_build, "apply_async", lambda **kwargs: None)  # no worker here
    version = twin_build_start(memorial_id=memorial.id, actor=memorial.subject)
    assert version.number == 1 and version.status == BuildStatus.QUEUED
    sent.clear()

    done = twin_build_run(version_id=version.id)

    assert done.status == BuildStatus.READY
    assert done.steps_done == ["portrait", "persona", "voice"]
    assert steps.calls == ["portrait", "persona"]
    assert twin_serving(memorial_id=memorial.id) == done
    # progress went to the subject and stewards' group, never to every member
    groups = {group for group, _ in sent}
    assert groups == {memorial_audience_group(memorial_id=memorial.id,
                                              audience=Audience.SUBJECT_AND_STEWARDS)}  # fmt: skip
    percents = [m["data"]["percent"] for _, m in sent]
    assert percents[-1] == 100 and percents == sorted(percents)
    assert [m["data"]["step"] for _, m in sent].count("persona") >= 1


def test_a_build_whose_worker_died_resumes_at_the_step_it_was_on(memorial, steps):
    version = twin_build_start(memorial_id=memorial.id, actor=memorial.subject)
    steps.persona_error = WorkerKilled()
    with pytest.raises(WorkerKilled):
        twin_build_run(version_id=version.id)
    version.refresh_from_db()
    assert version.status == BuildStatus.BUILDING
    assert version.steps_done == ["portrait"]

    steps.persona_error = None
    done = twin_build_run(version_id=version.id)  # delivered again

    assert done.status == BuildStatus.READY
    assert steps.calls == ["portrait", "persona", "persona"]  # the portrait was not redone
    assert StylePortrait.objects.filter(version=version).count() == 1


def test_a_step_another_delivery_finished_first_is_not_written_twice(memorial, steps, monkeypatch):
    version = twin_build_start(memorial_id=memorial.id, actor=memorial.subject)
    real = steps.portrait

    def overtaken(*, version, progress):
        # another delivery of the same build commits the portrait while this one works
        TwinVersion.objects.filter(pk=version.pk).update(steps_done=["portrait"])
        real(version=version, progress=progress)

    monkeypatch.setattr(steps, "portrait", overtaken)
    steps.install(monkeypatch)
    done = twin_build_run(version_id=version.id)

    assert done.status == BuildStatus.READY
    assert done.steps_done == ["portrait", "persona", "voice"]
    assert StylePortrait.objects.filter(version=version).count() == 0  # dropped, not doubled


def test_a_failed_build_never_replaces_the_working_one(memorial, steps):
    first = twin_build_run(
        version_id=twin_build_start(memorial_id=memorial.id, actor=memorial.subject).id
    )
    steps.persona_error = TransientError("The language model is not answering.")
    second = twin_build_start(memorial_id=memorial.id, actor=memorial.subject)

    # when the provider keeps failing until the retries run out
    result = twin_build.apply(
        kwargs={"memorial_id": str(memorial.id), "version_id": str(second.id)},
        retries=twin_build.max_retries,
    )

    assert result.failed()
    second.refresh_from_db()
    assert second.status == BuildStatus.FAILED
    assert "not answering" in second.failure and "try again" in second.failure.lower()
    assert twin_serving(memorial_id=memorial.id) == first

    # and "Try again" resumes it where it stopped, once the provider is back
    steps.persona_error = None
    retried = twin_build_retry(version=second, actor=memorial.subject)
    assert retried.status == BuildStatus.QUEUED and retried.failure == ""
    done = twin_build_run(version_id=second.id)
    assert done.status == BuildStatus.READY
    assert twin_serving(memorial_id=memorial.id) == done
    assert steps.calls.count("portrait") == 2  # once per version, not again on the retry


def test_only_the_newest_failed_build_can_be_tried_again(memorial, steps):
    version = twin_build_run(
        version_id=twin_build_start(memorial_id=memorial.id, actor=memorial.subject).id
    )
    with pytest.raises(BuildNotRetryable):
        twin_build_retry(version=version, actor=memorial.subject)


def test_one_build_at_a_time(memorial, steps):
    first = twin_build_start(memorial_id=memorial.id, actor=memorial.subject)
    again = twin_build_start(memorial_id=memorial.id, actor=memorial.subject)
    assert again == first
    assert TwinVersion.objects.filter(twin__memorial=memorial).count() == 1


def test_no_build_without_the_corpus_consent(steps):
    memorial = MemorialFactory()
    with pytest.raises(ConsentRequired):
        twin_build_start(memorial_id=memorial.id, actor=memorial.subject)
    assert not TwinVersion.objects.filter(twin__memorial=memorial).exists()


def test_withdrawing_consent_stops_a_queued_build_and_says_why(
    memorial, steps, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        version = twin_build_start(memorial_id=memorial.id, actor=memorial.subject)
    with django_capture_on_commit_callbacks(execute=True):
        consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.CORPUS)
    version.refresh_from_db()
    assert version.status == BuildStatus.STOPPED
    assert "withdrew your consent" in version.failure


def test_a_withdrawal_mid_build_keeps_the_step_from_committing(memorial, steps, monkeypatch):
    version = twin_build_start(memorial_id=memorial.id, actor=memorial.subject)
    real = steps.portrait

    def withdrawn_half_way(*, version, progress):
        consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.CORPUS)
        real(version=version, progress=progress)

    monkeypatch.setattr(steps, "portrait", withdrawn_half_way)
    steps.install(monkeypatch)
    with pytest.raises(ConsentRequired):
        twin_build_run(version_id=version.id)
    assert not StylePortrait.objects.filter(version=version).exists()


def test_new_writing_marks_a_built_twin_stale_and_offers_a_rebuild(
    memorial, steps, sent, django_capture_on_commit_callbacks
):
    stored = ingest(memorial, "journal.txt", b"I walked by the sea today. It was cold.")
    twin_build_run(version_id=twin_build_start(memorial_id=memorial.id, actor=None).id)
    twin = Twin.objects.get(memorial=memorial)
    assert twin.stale_since is None

    document = stored.documents.first()
    with django_capture_on_commit_callbacks(execute=True):
        document_register_set(document=document, register=Register.FAMILY)

    twin.refresh_from_db()
    assert twin.stale_since is not None
    assert "part of your life" in twin.stale_reason
    assert sent[-1][1]["data"]["stale"] is True

    # the nightly sweep rebuilds it, and the new build clears the mark
    assert twins_stale_rebuild() == 1
    twin.refresh_from_db()
    assert twin.stale_since is None
    assert twin.versions.filter(status=BuildStatus.QUEUED).count() == 1


def test_writing_before_any_build_marks_nothing(memorial, steps):
    ingest(memorial, "journal.txt", b"I walked by the sea today. It was cold.")
    assert not Twin.objects.filter(memorial=memorial).exists()
    assert twins_stale_rebuild() == 0


def test_the_nightly_rebuild_skips_twins_whose_consent_was_withdrawn(memorial, steps):
    twin_build_run(version_id=twin_build_start(memorial_id=memorial.id, actor=None).id)
    Twin.objects.filter(memorial=memorial).update(stale_since=timezone.now())
    consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.CORPUS)
    assert twins_stale_rebuild() == 0


def test_a_build_with_no_sign_of_its_worker_is_queued_again(memorial, steps, settings):
    settings.TWIN_BUILD_STALL_SECONDS = 60
    version = twin_build_start(memorial_id=memorial.id, actor=memorial.subject)
    fresh = TwinVersion.objects.filter(pk=version.pk)
    fresh.update(status=BuildStatus.BUILDING, heartbeat_at=timezone.now())
    assert twin_builds_requeue() == 0  # alive

    fresh.update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    tracked_before = TrackedTask.objects.filter(memorial_id=memorial.id).count()
    assert twin_builds_requeue() == 1
    assert TrackedTask.objects.filter(memorial_id=memorial.id).count() == tracked_before + 1
    assert twin_builds_requeue() == 0  # not again while the new delivery has its chance


def test_a_stalled_build_whose_consent_went_is_stopped_not_queued(memorial, steps, settings):
    settings.TWIN_BUILD_STALL_SECONDS = 60
    version = twin_build_start(memorial_id=memorial.id, actor=memorial.subject)
    TwinVersion.objects.filter(pk=version.pk).update(
        status=BuildStatus.BUILDING, heartbeat_at=timezone.now() - timedelta(minutes=5)
    )
    consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.CORPUS)
    version.refresh_from_db()
    if version.status != BuildStatus.STOPPED:  # told by the withdrawal already, or now:
        assert twin_builds_requeue() == 0
        version.refresh_from_db()
    assert version.status == BuildStatus.STOPPED
