"""The consent-bound task base: queued only with consent, tracked, revoked on withdrawal,
checked as it starts, and steps that never commit after a withdrawal."""

from __future__ import annotations

import ast
import inspect
import threading
import time
from pathlib import Path

import pytest
from celery import current_app
from celery.result import AsyncResult
from django.db import connection

from consent.services import consent_revoke
from core.consent import ConsentRequired, ConsentScope, consent_gate
from core.crypto import memorial_key_destroy
from core.models import AuditEvent, TrackedTask
from core.tasks import KernelTask, MemorialTask, memorial_step
from corpus.tasks import passage_vector_index_build
from tests.conftest import REPO
from tests.consent.factories import ConsentRecordFactory
from tests.memorials.factories import MemorialFactory
from voice.tasks import voice_clones_delete

CORPUS = ConsentScope.CORPUS
APPS = ("accounts", "consent", "core", "corpus", "legacy", "memorials", "twins", "voice")


def revoke(memorial, scope=CORPUS):
    return consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=scope)


# --- by construction ---------------------------------------------------------------------


def test_every_task_of_ours_stands_on_the_kernel_base_and_memorial_work_on_the_memorial_one():
    current_app.loader.import_default_modules()
    ours = {name: task for name, task in current_app.tasks.items() if name.startswith(APPS)}
    assert "corpus.tasks.upload_ingest" in ours and "voice.tasks.voice_clones_delete" in ours
    for name, task in ours.items():
        assert isinstance(task, KernelTask), f"{name} is not on the kernel's task base"
        if "memorial_id" in inspect.signature(task.run).parameters:
            assert isinstance(task, MemorialTask), f"{name} takes a memorial but is not bound"


def test_no_code_queues_a_task_bare():
    """`.delay(...)` or `.apply_async(...)` anywhere but the kernel (the memorial task base's
    `enqueue`, and the mail outbox, which is about no memorial's data) would be work queued
    without its consent check and tracking."""
    kernel = {REPO / "core" / "tasks.py", REPO / "core" / "mail.py"}
    offenders = []
    for app in APPS:
        for path in (REPO / app).rglob("*.py"):
            if "migrations" in path.parts or path in kernel:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Attribute) and node.attr in ("delay", "apply_async"):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert offenders == []


def test_memorial_work_refuses_a_bare_delay():
    with pytest.raises(TypeError, match="enqueue"):
        passage_vector_index_build.delay(memorial_id="00000000-0000-0000-0000-000000000000")


def test_the_kernel_refuses_everything_when_no_gate_is_installed(monkeypatch):
    from core import consent as kernel_consent

    monkeypatch.setattr(kernel_consent, "_gate", kernel_consent._Closed())
    with pytest.raises(ConsentRequired):
        consent_gate().require(memorial_id="x", scope=CORPUS)


# --- queuing and withdrawal --------------------------------------------------------------


@pytest.mark.django_db
def test_work_cannot_be_queued_without_consent_and_withdrawal_forgets_that_scopes_work():
    memorial = MemorialFactory()
    with pytest.raises(ConsentRequired):
        passage_vector_index_build.enqueue(memorial_id=memorial.id)
    assert not TrackedTask.objects.exists()
    ConsentRecordFactory(memorial=memorial, scope=CORPUS)
    passage_vector_index_build.enqueue(memorial_id=memorial.id)
    voice_clones_delete.enqueue(memorial_id=memorial.id)  # removes data: needs no consent
    tracked = TrackedTask.objects.get(task_name="corpus.tasks.passage_vector_index_build")
    assert tracked.kwargs == {"memorial_id": str(memorial.id)} and tracked.scope == "corpus"
    revoke(memorial)
    assert list(TrackedTask.objects.values_list("task_name", flat=True)) == [
        "voice.tasks.voice_clones_delete"
    ]
    assert AuditEvent.objects.get(action="consent.revoked").data["tasks_dropped"] == 1


@pytest.mark.django_db
def test_a_task_checks_its_memorial_and_consent_as_it_starts(monkeypatch):
    memorial = MemorialFactory()
    built = []
    monkeypatch.setattr(
        "corpus.partitions.passage_vector_index_ensure", lambda memorial_id: built.append(1)
    )
    # without consent (a revoke that missed the worker): the task returns without working
    assert passage_vector_index_build(memorial_id=str(memorial.id)) is None
    assert built == []
    ConsentRecordFactory(memorial=memorial, scope=CORPUS)
    passage_vector_index_build(memorial_id=str(memorial.id))
    assert built == [1]
    # an erased memorial (its key destroyed first): nothing runs, whatever the consent
    memorial_key_destroy(memorial_id=memorial.id)
    passage_vector_index_build(memorial_id=str(memorial.id))
    assert built == [1]


# --- steps -------------------------------------------------------------------------------


def _write(memorial, label):
    """A row the step writes (not an audit event: the withdrawal audits, and would wait for
    the audit chain's lock this step held)."""
    TrackedTask.objects.create(
        memorial_id=memorial.id, scope="", task_id=f"step-{label}", task_name="test.step"
    )


@pytest.mark.django_db(transaction=True)
def test_a_step_whose_consent_is_withdrawn_before_it_commits_writes_nothing():
    record = ConsentRecordFactory(scope=CORPUS)
    memorial = record.memorial
    with (
        pytest.raises(ConsentRequired),
        memorial_step(memorial_id=memorial.id, scope=CORPUS),
    ):
        _write(memorial, "1a")
        withdrawal = threading.Thread(target=lambda: (revoke(memorial), connection.close()))
        withdrawal.start()
        withdrawal.join(10)  # committed meanwhile: the step did not hold the record yet
        _write(memorial, "1b")
    assert not TrackedTask.objects.filter(task_name="test.step").exists()


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_that_comes_once_the_step_holds_waits_for_its_commit(monkeypatch):
    record = ConsentRecordFactory(scope=CORPUS)
    memorial = record.memorial
    gate = consent_gate()
    held, release, revoked = threading.Event(), threading.Event(), threading.Event()
    real_hold = gate.hold

    def hold_then_pause(**kwargs):
        result = real_hold(**kwargs)
        held.set()
        release.wait(10)
        return result

    monkeypatch.setattr(gate, "hold", hold_then_pause)

    def step():
        try:
            with memorial_step(memorial_id=memorial.id, scope=CORPUS):
                _write(memorial, "a")
                _write(memorial, "b")
        finally:
            connection.close()

    def withdraw():
        try:
            revoke(memorial)
            revoked.set()
        finally:
            connection.close()

    worker = threading.Thread(target=step)
    worker.start()
    assert held.wait(10)
    subject = threading.Thread(target=withdraw)
    subject.start()
    # then the withdrawal waits for the step, which commits whole
    assert not revoked.wait(0.5)
    release.set()
    worker.join(10)
    subject.join(10)
    assert revoked.is_set()
    assert TrackedTask.objects.filter(task_name="test.step").count() == 2
    # and the next step refuses before writing anything
    monkeypatch.undo()
    with (
        pytest.raises(ConsentRequired),
        memorial_step(memorial_id=memorial.id, scope=CORPUS),
    ):
        _write(memorial, "c")
    assert TrackedTask.objects.filter(task_name="test.step").count() == 2


# --- through a real worker ---------------------------------------------------------------


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.worker
def test_queued_work_is_revoked_at_the_worker_and_finished_work_is_untracked(
    celery_worker_process, monkeypatch
):
    memorial = MemorialFactory()
    ConsentRecordFactory(memorial=memorial, scope=CORPUS)
    # given work waiting in the queue (a countdown keeps it waiting at the worker)
    waiting = passage_vector_index_build.enqueue(memorial_id=memorial.id, countdown=4)
    # and other work, which runs
    other = voice_clones_delete.enqueue(memorial_id=memorial.id)
    assert _wait_for(lambda: AsyncResult(other).state == "SUCCESS")
    assert _wait_for(lambda: not TrackedTask.objects.filter(task_id=other).exists())
    # when the subject withdraws the scope of the waiting work
    revoke(memorial)
    # then that work never runs
    assert _wait_for(lambda: AsyncResult(waiting).state == "REVOKED")
    assert not TrackedTask.objects.exists()


def test_the_task_modules_import_no_service_lazily():
    """Imports at the top (a deferred import hides a cycle)."""
    for app in ("core", "corpus", "memorials", "voice"):
        tree = ast.parse(Path(REPO / app / "tasks.py").read_text())
        for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            assert not any(isinstance(n, ast.ImportFrom | ast.Import) for n in ast.walk(function))
