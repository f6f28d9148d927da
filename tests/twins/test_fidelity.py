"""The fidelity report: what is held out, that the twin never sees it, that the scores point
the right way, and the page with its "Measure again"."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.urls import reverse

from core.consent import ConsentScope
from core.models import TrackedTask
from memorials.models import Role
from tests.conftest import celery_worker_start, celery_worker_stop
from tests.consent.factories import grant_consent
from tests.memorials.factories import MembershipFactory, MemorialFactory
from tests.twins.portrait_writing import ann_writing_ingest, twin_version_built
from twins.fidelity import (
    fidelity_measure,
    fidelity_split,
    twin_answerer,
)
from twins.fidelity_reading import fidelity_report_data, fidelity_sentences
from twins.models import FidelityReport, FidelityStatus
from twins.portrait.build import register_messages
from twins.portrait.features import Message, portrait_features
from twins.services.fidelity import fidelity_report_run
from twins.services.fidelity_requests import fidelity_report_start

pytestmark = pytest.mark.django_db

GENERIC = (
    "Thank you for your message. The arrangements have been confirmed and the documents "
    "will be forwarded to the relevant department in due course."
)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def memorial():
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, ConsentScope.CORPUS)
    ann_writing_ingest(memorial)
    return memorial


def _messages(n: int) -> list[Message]:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    return [Message(text=f"message {i}", sent_at=start + timedelta(days=i)) for i in range(n)]


def test_the_latest_writing_is_held_out_and_a_thin_register_is_not_measured():
    training, held = fidelity_split(list(reversed(_messages(40))))
    assert [m.text for m in held] == ["message 35", "message 36", "message 37",
                                      "message 38", "message 39"]  # fmt: skip
    assert len(training) == 35 and max(m.sent_at for m in training) < held[0].sent_at
    assert [m.text for m in fidelity_split(_messages(8))[1]] == [
        "message 5", "message 6", "message 7",
    ]  # fmt: skip
    assert fidelity_split(_messages(7)) == ([], [])  # 3 held out would leave 4 to learn from


def test_the_twin_never_retrieves_the_held_out_writing(memorial):
    work = register_messages(memorial_id=memorial.id)["professional"]
    training, held = fidelity_split(work)
    assert "recruitment plan" in held[-1].text.lower()  # the latest email
    question = "Write to me about the recruitment plan and the analyst position."

    def answer(hidden: set) -> str:  # type: ignore[type-arg]
        twin = twin_answerer(
            memorial_id=memorial.id,
            features=portrait_features({"professional": [m.text for m in training]}),
            corrections=[],
            hidden_documents=hidden,
        )
        return twin(question, "professional")

    assert "analyst" in answer(set())  # the check can fail: unhidden, the email is found
    assert "analyst" not in answer({m.document_id for m in held})


def test_a_twin_writing_like_the_person_gains_over_a_generic_reply_and_not_the_reverse(
    memorial,
):
    own = {r: [m.text for m in ms] for r, ms in register_messages(memorial_id=memorial.id).items()}

    def like_the_person(question: str, register: str) -> str:
        return own[register][0]  # the person's own (training) words

    def generic(question: str, register: str) -> str:
        return GENERIC

    report = fidelity_measure(memorial_id=memorial.id, twin=like_the_person, baseline=generic)
    reversed_report = fidelity_measure(
        memorial_id=memorial.id, twin=generic, baseline=like_the_person
    )

    rows = {row["register"]: row for row in report["registers"]}
    assert set(rows) == {"family", "professional"}
    assert rows["family"]["style_gain"] > 1 and rows["professional"]["style_gain"] > 1
    assert report["style_gain"] > 1 > reversed_report["style_gain"]
    # chat turns answered George's line before them; the emails had no prompt to answer
    assert (rows["family"]["prompts_from_replies"], rows["family"]["prompts_derived"]) == (3, 0)
    work = rows["professional"]
    assert (work["prompts_from_replies"], work["prompts_derived"]) == (0, 3)


def test_the_offline_twin_is_measured_against_generic_sentences(memorial):
    report = fidelity_measure(memorial_id=memorial.id)

    assert (
        report["twin_label"]
        == "Offline: sentences they wrote, picked by matching words (no language model)"
    )
    assert report["baseline_label"].startswith("Generic sentences")
    rows = {row["register"]: row for row in report["registers"]}
    work = rows["professional"]
    assert work["twin_answered"] == work["held_out"] == 3
    assert work["style_gain"] > 1 and work["twin_content"] > work["baseline_content"]
    # George's questions share no words with what Ann wrote before: the offline twin, which
    # only matches words, finds nothing to say, and that register has no style figure
    assert rows["family"]["twin_answered"] == 0 and rows["family"]["style_gain"] is None
    assert report["style_gain"] == pytest.approx(work["style_gain"])
    text = json.dumps(report)
    assert "Raj" not in text and "love you" not in text  # figures only


def test_the_subject_asks_for_a_measurement_and_reads_it(client, memorial):
    twin_version_built(memorial)
    client.force_login(memorial.subject)
    url = reverse("twins:fidelity", args=[memorial.id])
    assert "Your twin has not been measured yet." in client.get(url).content.decode()

    page = client.post(reverse("twins:fidelity_measure", args=[memorial.id]), follow=True)

    assert "Measuring now." in page.content.decode()
    report = FidelityReport.objects.get()
    assert report.status == FidelityStatus.QUEUED
    assert TrackedTask.objects.filter(
        memorial_id=memorial.id, scope=ConsentScope.CORPUS, task_name__endswith="fidelity_measure"
    ).exists()
    again = client.post(reverse("twins:fidelity_measure", args=[memorial.id]), follow=True)
    assert "A measurement is already under way." in again.content.decode()

    # when the task has run
    fidelity_report_run(report_id=report.id)

    page = client.get(url).content.decode()
    assert "With family" in page and "At work" in page
    assert "We set aside your 3 latest messages" in page
    assert "Measure again" in page
    stored = bytes(FidelityReport.objects.get().report_encrypted)
    assert b"style_gain" not in stored


def test_only_the_subject_sees_or_starts_the_report(client, memorial):
    twin_version_built(memorial)
    for role in (Role.STEWARD, Role.FAMILY):
        client.force_login(MembershipFactory(memorial=memorial, role=role).user)
        assert client.get(reverse("twins:fidelity", args=[memorial.id])).status_code == 404
        measure = client.post(reverse("twins:fidelity_measure", args=[memorial.id]))
        assert measure.status_code == 404
    assert not FidelityReport.objects.exists()


def test_a_report_for_an_unknown_id_is_a_no_op():
    assert fidelity_report_run(report_id=uuid.uuid4()) is None


@pytest.mark.worker
@pytest.mark.slow
def test_the_measurement_runs_in_a_real_worker(transactional_db, settings):
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, ConsentScope.CORPUS)
    ann_writing_ingest(memorial)  # ingested here (its queued ingest finds it done)
    version = twin_version_built(memorial)
    worker = celery_worker_start(env={"MEDIA_ROOT": str(settings.MEDIA_ROOT)})
    try:
        with transaction.atomic():  # the task is queued when this commits
            report = fidelity_report_start(twin=version.twin, actor=memorial.subject)

        deadline = time.monotonic() + 180
        while not FidelityReport.objects.get(pk=report.pk).is_finished:
            assert time.monotonic() < deadline, "the worker did not finish the measurement"
            time.sleep(0.2)
    finally:
        celery_worker_stop(worker)
    report.refresh_from_db()
    assert report.status == FidelityStatus.DONE, report.failure
    rows = fidelity_sentences(fidelity_report_data(report))
    assert [row["register"] for row in rows] == ["family", "professional"]
