"""The voice clone: the best samples chosen, made in the twin build's voice step only with
the `voice` consent and the spoken consent, retried when the service is busy, replacing older
clones; deleted at the provider on revocation and on erasure, with its answer recorded.

The provider is ElevenLabs through its real SDK, talking to a local fake of its API."""

from __future__ import annotations

import hashlib
import io
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from consent.selectors import consent_record_live
from consent.services import consent_revoke
from core.consent import ConsentScope
from core.files import memorial_file_save
from core.tasks import TransientError
from memorials.erasure.services import memorial_erase
from tests.consent.factories import grant_consent
from tests.memorials.factories import MemorialFactory
from tests.voice import fake_elevenlabs as fake_server
from tests.voice.fake_elevenlabs import tone_mp3
from twins.models import BuildStatus, Twin, TwinVersion
from twins.services import build
from twins.services.build import BuildStep, twin_build_run
from twins.tasks import twin_build
from voice import cloning
from voice.cloning import NO_SPOKEN_CONSENT_NOTE, clone_samples_choose
from voice.models import (
    SampleSource,
    SampleStatus,
    SampleVerdict,
    SpokenConsent,
    TranscriptCheck,
    VoiceClone,
    VoiceProviderCall,
    VoiceSample,
)
from voice.providers.base import VoiceProviderBusy
from voice.providers.elevenlabs import BUSY_NOTICE, KEY_NOTICE
from voice.selectors import voice_clone_current
from voice.services import voice_clones_delete_for

pytestmark = pytest.mark.django_db
fake_elevenlabs = fake_server.fake_elevenlabs  # the fixture: a local fake ElevenLabs

_numbers = itertools.count()
CREATE = VoiceProviderCall.Action.CREATE_VOICE
DELETE = VoiceProviderCall.Action.DELETE_VOICE


def sample_add(memorial, *, seconds=60.0, verdict=SampleVerdict.GOOD, speech=0.9, snr=30.0,
               status=SampleStatus.READY, use=True, audio=None):  # fmt: skip
    audio = audio if audio is not None else tone_mp3(0.2, frequency=200 + seconds)
    digest = hashlib.sha256(audio + str(next(_numbers)).encode()).hexdigest()
    path = memorial_file_save(
        memorial_id=memorial.id, kind="voice", name=f"{digest[:16]}.mp3", source=io.BytesIO(audio)
    )
    return VoiceSample.objects.create(
        memorial=memorial,
        source=SampleSource.UPLOADED,
        name_encrypted=b"x",
        mime="audio/mpeg",
        size=len(audio),
        content_hash=digest,
        path=path,
        status=status,
        analysis={"duration_s": seconds, "speech_share": speech, "snr_db": snr},
        verdict=verdict,
        use_for_clone=use,
    )


def spoken_consent_give(memorial, check=TranscriptCheck.MATCHED):
    record = consent_record_live(memorial_id=memorial.id, scope=ConsentScope.VOICE)
    return SpokenConsent.objects.create(
        memorial=memorial,
        consent=record,
        statement="I agree. Blue heron.",
        phrase="blue heron",
        transcript_check=check,
        recorded_at=timezone.now(),
    )


@pytest.fixture
def memorial():
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, ConsentScope.CORPUS, ConsentScope.VOICE)
    return memorial


@pytest.fixture
def voice_only_build(monkeypatch):
    """The build runs only its voice step (the real one, as the voice app registered it)."""
    monkeypatch.setattr(
        build, "BUILD_STEPS", (BuildStep("voice", "Your voice", build.voice_step, 1.0),)
    )


@pytest.fixture
def notices(monkeypatch) -> list[str]:
    """The notices the build's progress events carried."""
    said: list[str] = []

    def capture(*, group, message):
        said.extend(_notices_in(message))

    monkeypatch.setattr("core.events.layer_group_send", capture)
    return said


def _notices_in(message) -> list[str]:
    found = []

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("notice"), str):
                found.append(value["notice"])
            for inner in value.values():
                walk(inner)

    walk(message)
    return found


def version_new(memorial) -> TwinVersion:
    twin, _ = Twin.objects.get_or_create(memorial=memorial)
    number = twin.versions.count() + 1
    return TwinVersion.objects.create(twin=twin, number=number)


# --- choosing the samples -------------------------------------------------------------------


def test_the_best_samples_are_chosen_up_to_about_three_minutes(memorial):
    good_long = sample_add(memorial, seconds=100, speech=0.9)
    good_short = sample_add(memorial, seconds=40, speech=0.95)
    usable = sample_add(memorial, seconds=100, verdict=SampleVerdict.USABLE, speech=0.99)
    good_noisy_speech = sample_add(memorial, seconds=70, speech=0.5)  # 35 s of speech
    sample_add(memorial, seconds=90, verdict=SampleVerdict.POOR)
    sample_add(memorial, seconds=90, use=False)  # the subject left it out
    sample_add(memorial, seconds=90, status=SampleStatus.FAILED)

    chosen = clone_samples_choose(memorial_id=memorial.id)

    # good ones first, most clean speech first: 100 + 40 = 140 s; the next good one (70 s)
    # would pass 200 s, a usable one too; nothing short enough is left
    assert chosen == [good_long, good_short]
    assert usable not in chosen and good_noisy_speech not in chosen
    assert clone_samples_choose(memorial_id=MemorialFactory().id) == []


def test_a_usable_sample_fills_up_when_the_good_ones_are_short(memorial):
    good = sample_add(memorial, seconds=30)
    usable = sample_add(memorial, seconds=50, verdict=SampleVerdict.USABLE)
    assert clone_samples_choose(memorial_id=memorial.id) == [good, usable]


# --- the build's voice step -----------------------------------------------------------------


def test_the_build_clones_the_voice_with_spoken_consent(
    memorial,
    fake_elevenlabs,
    voice_only_build,
    notices,
):
    first = sample_add(memorial, seconds=90, audio=tone_mp3(0.2, frequency=300))
    second = sample_add(memorial, seconds=60, audio=tone_mp3(0.2, frequency=400))
    spoken_consent_give(memorial)
    version = version_new(memorial)

    done = twin_build_run(version_id=version.id)

    assert done.status == BuildStatus.READY and "voice" in done.steps_done
    (request,) = fake_elevenlabs.seen("POST", "^/v1/voices/add$")
    # the samples' own audio, decrypted from the file store, best first, under plain names
    assert [content for _, _, content in request.files] == [
        tone_mp3(0.2, frequency=300),
        tone_mp3(0.2, frequency=400),
    ]
    assert [name for _, name, _ in request.files] == ["sample-1.mp3", "sample-2.mp3"]
    assert "Ann" not in request.fields["name"]  # the provider is not told who it is
    clone = VoiceClone.objects.get(memorial=memorial)
    assert clone.provider == "elevenlabs" and clone.remote_id in fake_elevenlabs.voices
    assert voice_clone_current(memorial_id=memorial.id, provider="elevenlabs") == clone
    call = VoiceProviderCall.objects.get(action=CREATE)
    assert call.ok and call.remote_id == clone.remote_id and "2 recordings" in call.detail
    assert "A copy of your voice was made from 2 of your recordings." in notices
    assert {first.id, second.id} == {s.id for s in clone_samples_choose(memorial_id=memorial.id)}


@pytest.mark.parametrize("check", [None, TranscriptCheck.MISMATCHED, TranscriptCheck.PENDING])
def test_without_spoken_consent_no_clone_is_made_and_the_build_says_why(
    memorial,
    fake_elevenlabs,
    voice_only_build,
    notices,
    check,
):
    sample_add(memorial, seconds=90)
    if check is not None:
        spoken_consent_give(memorial, check=check)
    version = version_new(memorial)

    done = twin_build_run(version_id=version.id)

    assert done.status == BuildStatus.READY  # the twin is built, without a voice
    assert fake_elevenlabs.requests == []  # nothing was sent to the voice service
    assert not VoiceClone.objects.exists()
    assert NO_SPOKEN_CONSENT_NOTE in notices
    assert "no spoken consent yet" in NO_SPOKEN_CONSENT_NOTE
    assert done.notes == [NO_SPOKEN_CONSENT_NOTE]  # kept on the build, after it ended
    page = twin_page_for(memorial)
    assert NO_SPOKEN_CONSENT_NOTE in page


def twin_page_for(memorial) -> str:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(memorial.subject)
    return client.get(reverse("twins:overview", args=[memorial.id])).content.decode()


def test_without_the_voice_consent_nothing_is_sent(fake_elevenlabs, voice_only_build, notices):
    memorial = MemorialFactory()
    grant_consent(memorial, ConsentScope.CORPUS)
    sample_add(memorial, seconds=90)
    twin_build_run(version_id=version_new(memorial).id)
    assert fake_elevenlabs.requests == []
    assert cloning.NO_CONSENT_NOTE in notices


def test_the_offline_provider_makes_no_clone(memorial, voice_only_build, notices):
    sample_add(memorial, seconds=90)
    spoken_consent_give(memorial)
    assert twin_build_run(version_id=version_new(memorial).id).status == BuildStatus.READY
    assert not VoiceClone.objects.exists()
    assert cloning.NO_PROVIDER_NOTE in notices


def test_a_busy_service_is_retried_by_the_build_then_reported(
    memorial,
    fake_elevenlabs,
    voice_only_build,
):
    sample_add(memorial, seconds=90)
    spoken_consent_give(memorial)
    version = version_new(memorial)
    fake_elevenlabs.fail_next(429)

    with pytest.raises(VoiceProviderBusy) as raised:
        twin_build_run(version_id=version.id)

    assert isinstance(raised.value, TransientError)  # the build task retries with backoff
    assert raised.value.reason == BUSY_NOTICE  # and its progress says why it waits
    assert not VoiceClone.objects.exists()
    assert not VoiceProviderCall.objects.get(action=CREATE).ok
    # retries ran out: the build fails, saying why, and "Try again" resumes it
    twin_build.on_failure(raised.value, "task", (), {"version_id": str(version.id)}, None)
    version.refresh_from_db()
    assert version.status == BuildStatus.FAILED and BUSY_NOTICE in version.failure
    # the next try (the service answers again) makes the clone
    version.status = BuildStatus.BUILDING
    version.save(update_fields=["status"])
    assert twin_build_run(version_id=version.id).status == BuildStatus.READY
    assert VoiceClone.objects.filter(memorial=memorial).count() == 1


def test_a_refused_key_is_noted_and_the_twin_still_built(
    memorial,
    fake_elevenlabs,
    voice_only_build,
    notices,
    settings,
):
    sample_add(memorial, seconds=90)
    spoken_consent_give(memorial)
    settings.ELEVENLABS_API_KEY = "not-the-key"
    done = twin_build_run(version_id=version_new(memorial).id)
    assert done.status == BuildStatus.READY
    assert f"Your voice was not copied: {KEY_NOTICE}" in notices
    call = VoiceProviderCall.objects.get(action=CREATE)
    assert not call.ok and "401" in call.detail


def test_a_new_clone_replaces_the_older_one(memorial, fake_elevenlabs, voice_only_build):
    sample_add(memorial, seconds=90)
    spoken_consent_give(memorial)
    twin_build_run(version_id=version_new(memorial).id)
    older = VoiceClone.objects.get()

    twin_build_run(version_id=version_new(memorial).id)

    older.refresh_from_db()
    assert older.deleted_at is not None
    assert fake_elevenlabs.seen("DELETE", f"/v1/voices/{older.remote_id}$")
    newer = voice_clone_current(memorial_id=memorial.id, provider="elevenlabs")
    assert newer is not None and newer != older and fake_elevenlabs.voices == {newer.remote_id}
    assert VoiceProviderCall.objects.get(action=DELETE).ok


def test_consent_withdrawn_while_cloning_leaves_no_clone_anywhere(
    memorial,
    fake_elevenlabs,
    voice_only_build,
    notices,
    monkeypatch,
):
    sample_add(memorial, seconds=90)
    spoken_consent_give(memorial)
    from voice.providers.elevenlabs import ElevenLabsVoiceProvider

    made = ElevenLabsVoiceProvider.clone_create

    def clone_then_withdraw(self, **kwargs):
        remote_id = made(self, **kwargs)
        consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.VOICE)
        return remote_id

    monkeypatch.setattr(ElevenLabsVoiceProvider, "clone_create", clone_then_withdraw)
    done = twin_build_run(version_id=version_new(memorial).id)

    assert done.status == BuildStatus.READY
    assert not VoiceClone.objects.exists()
    assert fake_elevenlabs.voices == set()  # the clone made meanwhile was deleted at once
    assert fake_elevenlabs.seen("DELETE", "/v1/voices/fake-voice-1$")
    assert VoiceProviderCall.objects.get(action=DELETE).ok
    assert "Your voice was not copied: your consent to use your voice was withdrawn." in notices


# --- revocation and erasure -----------------------------------------------------------------


def test_withdrawing_voice_consent_deletes_the_clone_at_elevenlabs(
    memorial,
    fake_elevenlabs,
    voice_only_build,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    sample_add(memorial, seconds=90)
    spoken_consent_give(memorial)
    twin_build_run(version_id=version_new(memorial).id)
    clone = VoiceClone.objects.get()
    from voice.tasks import voice_clones_delete

    monkeypatch.setattr(  # the task runs here, as a worker would
        voice_clones_delete, "apply_async", lambda kwargs, **_: voice_clones_delete_for(**kwargs)
    )
    with django_capture_on_commit_callbacks(execute=True):
        consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.VOICE)

    assert fake_elevenlabs.seen("DELETE", f"^/v1/voices/{clone.remote_id}$")
    assert fake_elevenlabs.voices == set()
    clone.refresh_from_db()
    assert clone.deleted_at is not None
    call = VoiceProviderCall.objects.get(action=DELETE)
    assert call.ok and call.detail == "ElevenLabs answered 200 (ok): voice deleted"


def test_the_erasure_certificate_shows_the_providers_answer(
    memorial,
    fake_elevenlabs,
    voice_only_build,
    client,
):
    sample_add(memorial, seconds=90)
    spoken_consent_give(memorial)
    twin_build_run(version_id=version_new(memorial).id)
    clone = VoiceClone.objects.get()
    fake_elevenlabs.voices.discard(clone.remote_id)  # gone already: the provider says 404

    certificate = memorial_erase(memorial=memorial, actor=memorial.subject, reason="test")

    voice = next(o for o in certificate.body["data"] if o["name"] == "voice.clones")
    assert voice["before"] == 1 and voice["after"] == 0
    (answer,) = voice["details"]["remote"]["answers"]
    assert answer == {
        "provider": "elevenlabs",
        "remote_id": clone.remote_id,
        "ok": True,
        "answer": "ElevenLabs answered 404 (no such voice): already deleted",
    }
    assert fake_elevenlabs.seen("DELETE", f"^/v1/voices/{clone.remote_id}$")
    assert certificate.body["complete"]
    client.force_login(memorial.subject)  # and the page the subject sees says it
    page = client.get(reverse("rights:erased", kwargs={"certificate_id": certificate.id}))
    assert (
        "The voice service answered: “ElevenLabs answered 404 (no such voice): already deleted”"
        in (page.content.decode())
    )
