"""Voice samples analysed by a real Celery worker: a batch with a broken file in it."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.voice.subject_helpers import clip
from voice.models import SampleStatus, VoiceSample
from voice.sample_analysis import sample_name


@pytest.mark.worker
def test_a_batch_is_analysed_in_the_background_and_a_broken_file_fails_alone(
    media_root, voiced, deaf, celery_worker_process, client, tmp_path
):
    client.force_login(voiced.subject)
    response = client.post(
        reverse("voice:samples_upload", args=[voiced.id]),
        {
            "files": [
                clip(tmp_path, "story.ogg"),
                SimpleUploadedFile("photo.mp3", b"\x89PNG\r\n\x1a\n" + b"\0" * 500),
                clip(tmp_path, "letter.m4a"),
            ]
        },
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 200
    deadline = time.monotonic() + 90
    while VoiceSample.objects.filter(memorial=voiced, status=SampleStatus.ANALYSING).exists():
        assert time.monotonic() < deadline, "the worker did not analyse the samples"
        time.sleep(0.5)
    samples = {sample_name(sample=s): s for s in VoiceSample.objects.filter(memorial=voiced)}
    assert samples["story.ogg"].status == samples["letter.m4a"].status == SampleStatus.READY
    assert samples["story.ogg"].verdict == "good" and samples["letter.m4a"].mime == "audio/mp4"
    assert samples["photo.mp3"].status == SampleStatus.FAILED
    assert "it is a picture" in samples["photo.mp3"].error  # FFmpeg read it as an image
    status = client.get(reverse("voice:samples_status", args=[voiced.id])).json()
    assert status["analysing"] == 0 and status["set"]["samples"] == 2
