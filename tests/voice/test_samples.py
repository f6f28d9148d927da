"""Voice samples through the services and the subject's pages: stored encrypted, analysed,
a broken file reported on its own, consent needed, played back, left out, deleted."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consent.services import consent_revoke
from core.audit import audit_events_for
from core.files import memorial_file_storage, memorial_files_count
from core.holders import holders
from core.models import TrackedTask
from memorials.erasure.services import memorial_erase
from memorials.models import Role
from tests.memorials.factories import MembershipFactory
from tests.voice import synth_audio
from tests.voice.subject_helpers import DATA, DeafProvider, clip
from voice.models import SampleSource, SampleStatus, VoiceSample
from voice.sample_analysis import sample_analyse, sample_name
from voice.samples import sample_add
from voice.selectors import sample_set_verdict, samples_for_clone
from voice.tasks import voice_sample_analyse

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject_client(client, voiced, deaf):
    client.force_login(voiced.subject)
    return client


def analyse_all(memorial):
    for sample in VoiceSample.objects.filter(memorial=memorial, status=SampleStatus.ANALYSING):
        sample_analyse(sample_id=sample.id)


def test_a_sample_is_stored_encrypted_with_its_name_and_queued(voiced, tmp_path):
    upload = clip(tmp_path, "reading.wav")
    sample, created = sample_add(memorial_id=voiced.id, file=upload, name="reading.wav")
    assert created and sample.status == SampleStatus.ANALYSING
    stored = memorial_file_storage().open(sample.path).read()
    assert b"RIFF" not in stored and len(stored) >= sample.size
    assert b"reading" not in bytes(sample.name_encrypted)
    assert sample_name(sample=sample) == "reading.wav"
    assert TrackedTask.objects.filter(
        task_name=voice_sample_analyse.name, kwargs__sample_id=str(sample.id)
    ).exists()
    again, created = sample_add(memorial_id=voiced.id, file=upload, name="copy.wav")
    assert not created and again.id == sample.id  # the same recording is kept once
    assert [e.action for e in audit_events_for(memorial_id=voiced.id)].count(
        "voice.sample_added"
    ) == 1


def test_the_page_is_the_subjects_alone(client, voiced, deaf):
    url = reverse("voice:samples", args=[voiced.id])
    family = MembershipFactory(memorial=voiced, role=Role.FAMILY)
    client.force_login(family.user)
    assert client.get(url).status_code == 404
    assert client.post(reverse("voice:samples_upload", args=[voiced.id])).status_code == 404
    client.force_login(voiced.subject)
    page = client.get(url)
    assert page.status_code == 200
    assert DeafProvider.label in page.content.decode()
    assert b"Read your consent aloud" in page.content
    assert "no voice service that can copy a voice" in page.content.decode()  # deaf: no clone


def test_several_files_upload_at_once_and_a_broken_one_is_reported_alone(
    subject_client, voiced, tmp_path
):
    good = clip(tmp_path, "story.mp3")
    real = SimpleUploadedFile("reading.flac", next(DATA.rglob("*.flac")).read_bytes())
    letter = SimpleUploadedFile("letter.m4a", b"Dear Sam, this is a letter, not a recording.")
    whole = synth_audio.write(tmp_path / "whole.flac", synth_audio.phrases())
    cut = SimpleUploadedFile("cut.flac", whole.read_bytes()[:20000])
    response = subject_client.post(
        reverse("voice:samples_upload", args=[voiced.id]),
        {"files": [good, real, letter, cut]},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 200
    assert [s["status"] for s in response.json()["samples"]] == ["analysing"] * 4
    analyse_all(voiced)
    by_name = {sample_name(sample=s): s for s in VoiceSample.objects.filter(memorial=voiced)}
    assert by_name["story.mp3"].status == SampleStatus.READY
    assert by_name["story.mp3"].verdict == "good" and by_name["story.mp3"].mime == "audio/mpeg"
    assert by_name["reading.flac"].status == SampleStatus.READY
    assert by_name["reading.flac"].analysis["sample_rate"] == 16000
    assert by_name["letter.m4a"].status == SampleStatus.FAILED
    assert "not a sound recording" in by_name["letter.m4a"].error
    assert by_name["cut.flac"].status == SampleStatus.FAILED
    assert "damaged" in by_name["cut.flac"].error
    page = subject_client.get(reverse("voice:samples", args=[voiced.id])).content.decode()
    assert "not a sound recording" in page and "seems damaged" in page
    status = subject_client.get(reverse("voice:samples_status", args=[voiced.id])).json()
    assert status["analysing"] == 0 and len(status["samples"]) == 4
    assert status["set"]["samples"] == 2


def test_a_recording_from_the_browser_is_kept_as_recorded(subject_client, voiced, tmp_path):
    response = subject_client.post(
        reverse("voice:samples_upload", args=[voiced.id]),
        {"files": clip(tmp_path, "Recording 2026-12-02 09h14.webm"), "source": "recorded"},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 200
    sample = VoiceSample.objects.get(memorial=voiced)
    assert sample.source == SampleSource.RECORDED
    sample_analyse(sample_id=sample.id)
    sample.refresh_from_db()
    assert sample.mime == "audio/webm" and sample.analysis["sample_rate"] == 48000


def test_uploading_without_voice_consent_is_refused(client, voiced, deaf, tmp_path):
    consent_revoke(user=voiced.subject, memorial_id=voiced.id, scope="voice")
    client.force_login(voiced.subject)
    url = reverse("voice:samples_upload", args=[voiced.id])
    response = client.post(url, {"files": clip(tmp_path, "a.wav")}, HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 403 and "consent" in response.json()["errors"][0]["error"]
    plain = client.post(url, {"files": clip(tmp_path, "b.wav")}, follow=True)
    assert "consent" in plain.content.decode()
    assert not VoiceSample.objects.exists()
    assert memorial_files_count(memorial_id=voiced.id) == 0  # no file was kept either


def test_analysis_after_a_withdrawal_writes_nothing_and_says_why(voiced, tmp_path):
    sample, _ = sample_add(memorial_id=voiced.id, file=clip(tmp_path, "a.wav"), name="a.wav")
    consent_revoke(user=voiced.subject, memorial_id=voiced.id, scope="voice")
    sample_analyse(sample_id=sample.id)
    sample.refresh_from_db()
    assert sample.status == SampleStatus.FAILED and "withdrawn" in sample.error
    assert sample.analysis == {} and sample.verdict == ""


def test_play_back_leave_out_and_delete(
    subject_client, voiced, tmp_path, django_capture_on_commit_callbacks
):
    upload = clip(tmp_path, "story.wav", synth_audio.phrases(40.0))  # over 1 MB
    sample, _ = sample_add(memorial_id=voiced.id, file=upload, name="story.wav")
    sample_analyse(sample_id=sample.id)
    audio = subject_client.get(reverse("voice:sample_audio", args=[voiced.id, sample.id]))
    assert audio["Content-Type"] == "audio/wav"
    upload.seek(0)
    original = upload.read()
    assert b"".join(audio.streaming_content) == original and audio["Accept-Ranges"] == "bytes"
    url = reverse("voice:sample_audio", args=[voiced.id, sample.id])
    edge = 1024 * 1024  # the store's chunk size: a range across it
    part = subject_client.get(url, HTTP_RANGE=f"bytes={edge - 5}-{edge + 4}")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes {edge - 5}-{edge + 4}/{len(original)}"
    assert b"".join(part.streaming_content) == original[edge - 5 : edge + 5]
    tail = subject_client.get(url, HTTP_RANGE="bytes=-4")
    assert b"".join(tail.streaming_content) == original[-4:]
    assert subject_client.get(url, HTTP_RANGE=f"bytes={len(original)}-").status_code == 416
    assert samples_for_clone(memorial_id=voiced.id) == [sample]
    subject_client.post(reverse("voice:sample_use", args=[voiced.id, sample.id]), {"use": "0"})
    assert samples_for_clone(memorial_id=voiced.id) == []
    assert sample_set_verdict(memorial_id=voiced.id).verdict == "poor"
    subject_client.post(reverse("voice:sample_use", args=[voiced.id, sample.id]), {"use": "1"})
    assert samples_for_clone(memorial_id=voiced.id) == [sample]
    url = reverse("voice:sample_delete", args=[voiced.id, sample.id])
    listed = subject_client.get(reverse("voice:samples", args=[voiced.id])).content.decode()
    assert f'href="{url}"' in listed  # deleting goes through the confirmation page
    confirm = subject_client.get(url)
    assert b"Delete this recording?" in confirm.content and b"story.wav" in confirm.content
    path = sample.path
    with django_capture_on_commit_callbacks(execute=True):
        subject_client.post(url)
    assert not VoiceSample.objects.exists() and not memorial_file_storage().exists(path)
    actions = [e.action for e in audit_events_for(memorial_id=voiced.id)]
    assert "voice.sample_removed" in actions


def test_another_memorials_sample_is_not_found(subject_client, voiced, tmp_path):
    from tests.consent.factories import grant_consent
    from tests.memorials.factories import MemorialFactory

    other = MemorialFactory()
    grant_consent(other, "voice")
    theirs, _ = sample_add(memorial_id=other.id, file=clip(tmp_path, "x.wav"), name="x.wav")
    for name in ("voice:sample_audio", "voice:sample_delete"):
        assert subject_client.get(reverse(name, args=[voiced.id, theirs.id])).status_code == 404


def test_erasure_leaves_no_sample_and_the_export_has_them(voiced, tmp_path):
    sample, _ = sample_add(memorial_id=voiced.id, file=clip(tmp_path, "a.wav"), name="a.wav")
    sample_analyse(sample_id=sample.id)
    names = {holder.name for holder in holders()}
    assert {"voice.samples", "voice.spoken_consent"} <= names
    written = {}

    class Writer:
        def write_json(self, path, data):
            written[path] = data

        def write_bytes(self, path, chunks):
            written[path] = b"".join(chunks)

    holder = next(h for h in holders() if h.name == "voice.samples")
    holder.export(voiced.id, Writer())
    assert written["voice/samples.json"][0]["name"] == "a.wav"
    assert written[f"voice/samples/{sample.id}/a.wav"][:4] == b"RIFF"
    memorial_erase(memorial=voiced, actor=voiced.subject, reason="test")
    assert not VoiceSample.objects.exists()
    assert not memorial_file_storage().exists(sample.path)


def test_the_memorial_page_has_a_voice_panel_for_the_subject_alone(client, voiced, deaf):
    client.force_login(voiced.subject)
    page = client.get(voiced.get_absolute_url()).content.decode()
    assert reverse("voice:samples", args=[voiced.id]) in page
    assert "consent not yet spoken" in page
    family = MembershipFactory(memorial=voiced, role=Role.FAMILY)
    client.force_login(family.user)
    page = client.get(voiced.get_absolute_url())
    assert page.status_code == 200
    assert reverse("voice:samples", args=[voiced.id]) not in page.content.decode()


def test_each_sample_heard_is_pushed_to_the_subjects_page(
    subject_client, voiced, tmp_path, monkeypatch
):
    from core.events import EventKind, event_declaration
    from voice import sample_analysis

    sent = []

    def record(**event) -> None:
        event_declaration(kind=event["kind"], data=event["data"])  # as declared
        sent.append(event)

    monkeypatch.setattr(sample_analysis, "event_send_on_commit", record)
    letter = SimpleUploadedFile("letter.m4a", b"Dear Sam, this is a letter, not a recording.")
    subject_client.post(
        reverse("voice:samples_upload", args=[voiced.id]),
        {"files": [clip(tmp_path, "story.mp3"), letter]},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    page = subject_client.get(reverse("voice:samples", args=[voiced.id])).content.decode()
    assert f'data-events-url="/ws/memorials/{voiced.id}/events/"' in page
    assert 'data-samples-analysing="2"' in page  # the page follows these two by events
    analyse_all(voiced)
    assert [e["kind"] for e in sent] == [EventKind.VOICE_SAMPLE] * 2
    assert [e["memorial_id"] for e in sent] == [voiced.id] * 2
    data = sorted((e["data"] for e in sent), key=lambda d: d["analysing"], reverse=True)
    assert [d["analysing"] for d in data] == [1, 0]  # the last one tells the page to reload
    assert {d["label"] for d in data} == {"Could not be read", "Good for your voice"}
