"""Voice clones and the provider interface: deletion through the provider, recorded."""

import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from consent.gate import ConsentRequired
from consent.services import consent_revoke
from core.audit import memorial_ref
from core.consent import ConsentScope
from core.holders import holders
from core.models import AuditEvent
from memorials.erasure.services import memorial_erase
from tests.consent.factories import ConsentRecordFactory
from tests.memorials.factories import MemorialFactory
from voice.models import VoiceClone, VoiceProviderCall
from voice.providers import PROVIDERS, VoiceProviderResult, voice_provider
from voice.providers.offline import OfflineVoiceProvider
from voice.services import (
    VoiceDeletionFailed,
    voice_clone_register,
    voice_clones_delete_for,
)

VOICE = ConsentScope.VOICE


class RefusingProvider:
    """A provider whose deletions fail, as a provider that is down would."""

    name = "refusing"

    def delete_voice(self, voice_id):
        return VoiceProviderResult(ok=False, detail="503 from the provider")


@pytest.fixture
def refusing_provider(monkeypatch):
    monkeypatch.setitem(PROVIDERS, "refusing", RefusingProvider)


def clone_for(memorial, provider="offline", remote_id="voice-1"):
    ConsentRecordFactory(memorial=memorial, scope=VOICE)
    return voice_clone_register(memorial_id=memorial.id, provider=provider, remote_id=remote_id)


def test_the_provider_is_chosen_by_settings(settings):
    assert isinstance(voice_provider(), OfflineVoiceProvider)
    settings.LEGACY_VOICE_PROVIDER = "retired-service"
    with pytest.raises(ImproperlyConfigured, match="retired-service"):
        voice_provider()


@pytest.mark.django_db
def test_a_clone_is_registered_only_with_voice_consent():
    memorial = MemorialFactory()
    with pytest.raises(ConsentRequired):
        voice_clone_register(memorial_id=memorial.id, provider="offline", remote_id="x")
    clone = clone_for(memorial)
    assert clone.deleted_at is None
    assert AuditEvent.objects.filter(action="voice.clone_created").exists()


@pytest.mark.django_db
def test_deleting_goes_through_the_provider_and_every_call_is_recorded():
    memorial = MemorialFactory()
    clone = clone_for(memorial)
    assert voice_clones_delete_for(memorial_id=memorial.id) == 1
    clone.refresh_from_db()
    assert clone.deleted_at is not None
    call = VoiceProviderCall.objects.get()
    assert (call.provider, call.action, call.remote_id, call.ok) == (
        "offline",
        "delete_voice",
        "voice-1",
        True,
    )
    assert call.memorial_ref == memorial_ref(memorial.id)
    assert voice_clones_delete_for(memorial_id=memorial.id) == 0  # safe to run twice
    assert VoiceProviderCall.objects.count() == 1


@pytest.mark.django_db
def test_a_failed_deletion_is_recorded_and_the_clone_kept_to_retry(refusing_provider):
    memorial = MemorialFactory()
    clone = clone_for(memorial, provider="refusing")
    with pytest.raises(VoiceDeletionFailed, match="503"):
        voice_clones_delete_for(memorial_id=memorial.id)
    clone.refresh_from_db()
    assert clone.deleted_at is None
    call = VoiceProviderCall.objects.get()
    assert not call.ok and "503" in call.detail
    assert AuditEvent.objects.filter(action="voice.clone_delete_failed").exists()


@pytest.mark.django_db
def test_a_clone_of_a_provider_no_longer_available_is_not_silently_dropped():
    memorial = MemorialFactory()
    clone_for(memorial, provider="retired-service")
    with pytest.raises(VoiceDeletionFailed, match="not available"):
        voice_clones_delete_for(memorial_id=memorial.id)
    assert not VoiceProviderCall.objects.get().ok


@pytest.mark.django_db
def test_the_erasure_holder_deletes_remotely_then_the_rows(refusing_provider):
    holder = next(h for h in holders() if h.name == "voice.clones")
    memorial = MemorialFactory()
    clone_for(memorial, remote_id="a")
    VoiceClone.objects.create(memorial=memorial, provider="offline", remote_id="b")
    assert holder.count(memorial.id) == 2
    assert holder.erase(memorial.id) == 2
    assert holder.count(memorial.id) == 0
    assert VoiceProviderCall.objects.filter(ok=True).count() == 2
    # a clone whose remote deletion fails keeps its row: erasure must not pretend
    stubborn = MemorialFactory()
    clone_for(stubborn, provider="refusing")
    erased = holder.erase(stubborn.id)
    assert erased == 0 and erased.details["remote"]["failed"] == 1
    assert holder.count(stubborn.id) == 1


@pytest.mark.django_db
def test_a_kill_switch_keeps_the_record_of_the_clones_it_did_delete(refusing_provider):
    memorial = MemorialFactory()
    clone_for(memorial, remote_id="gone")  # the offline provider deletes it
    voice_clone_register(memorial_id=memorial.id, provider="refusing", remote_id="stubborn")

    certificate = memorial_erase(memorial=memorial, actor=memorial.subject, reason="test")

    voice = next(o for o in certificate.body["data"] if o["name"] == "voice.clones")
    assert voice["erased"] == 1 and voice["after"] == 1
    remote = voice["details"]["remote"]
    assert (remote["providers"], remote["deleted"], remote["failed"]) == (
        ["offline", "refusing"], 1, 1)  # fmt: skip
    assert sorted((a["remote_id"], a["ok"], a["answer"]) for a in remote["answers"]) == [
        ("gone", True, "offline provider: no remote copy of this voice exists"),
        ("stubborn", False, "503 from the provider"),
    ]
    assert not certificate.body["complete"]
    assert VoiceProviderCall.objects.filter(ok=True).count() == 1  # not rolled back
    assert VoiceClone.objects.get(memorial=memorial).remote_id == "stubborn"


@pytest.mark.django_db
def test_the_export_lists_clones_without_content():
    holder = next(h for h in holders() if h.name == "voice.clones")
    memorial = MemorialFactory()
    clone_for(memorial)
    written = {}

    class Writer:
        def write_json(self, path, data):
            written[path] = data

        def write_bytes(self, path, chunks):
            raise AssertionError("no bytes to export")

    holder.export(memorial.id, Writer())
    (clone,) = written["voice/clones.json"]
    assert set(clone) == {"provider", "remote_id", "created_at", "deleted_at"}
    assert clone["remote_id"] == "voice-1"


@pytest.mark.worker
def test_withdrawing_voice_deletes_the_remote_clone_through_a_real_worker(celery_worker_process):
    memorial = MemorialFactory()
    clone = clone_for(memorial)
    consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=VOICE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        clone.refresh_from_db()
        if clone.deleted_at is not None:
            break
        time.sleep(0.2)
    assert clone.deleted_at is not None
    assert VoiceProviderCall.objects.get(remote_id="voice-1").ok
