"""The voice providers: the real `elevenlabs` SDK against a local fake of its API, and the
offline voice (Piper and Whisper from packages) making and hearing real audio."""

import io
import socket
import threading

import av
import numpy as np
import pytest

from tests.voice import fake_elevenlabs as fake_server
from tests.voice.fake_elevenlabs import tone_mp3
from voice.providers import voice_label, voice_listen_off_reason, voice_provider
from voice.providers.base import AudioFile, VoiceProviderBusy, VoiceProviderError
from voice.providers.elevenlabs import KEY_NOTICE, ElevenLabsVoiceProvider
from voice.providers.offline import OfflineVoiceProvider

fake_elevenlabs = fake_server.fake_elevenlabs  # the fixture: a local fake ElevenLabs


def decoded_seconds(data: bytes) -> float:
    with av.open(io.BytesIO(data)) as container:
        frames = list(container.decode(audio=0))
    return sum(frame.samples for frame in frames) / frames[0].sample_rate


def sample(name="a.mp3", seconds=0.3):
    return AudioFile(name=name, content=tone_mp3(seconds), mime="audio/mpeg")


# --- choosing -----------------------------------------------------------------------------


def test_elevenlabs_is_used_only_when_chosen_and_given_a_key(settings):
    settings.LEGACY_VOICE_PROVIDER = "elevenlabs"
    settings.ELEVENLABS_API_KEY = ""
    assert isinstance(voice_provider(), OfflineVoiceProvider)  # no key: the generic voice
    assert isinstance(voice_provider("elevenlabs"), ElevenLabsVoiceProvider)  # deleting still
    settings.ELEVENLABS_API_KEY = "k"
    provider = voice_provider()
    assert isinstance(provider, ElevenLabsVoiceProvider)
    assert provider.label.startswith("ElevenLabs: ")
    assert voice_label(provider, name="Ada", cloned=True) == (
        "ElevenLabs: an AI voice made from Ada's own recordings"
    )
    assert voice_label(provider, name="Ada") == (
        "ElevenLabs: a generic voice, not Ada's: no copy of their voice has been made"
    )


def test_the_offline_voice_says_it_is_not_the_persons():
    provider = voice_provider("offline")
    assert not provider.can_clone
    for cloned in (False, True):  # it never speaks with a clone
        assert voice_label(provider, name="Ada", cloned=cloned) == (
            "A generic computer voice, not Ada's: this Legacy has no voice service set up"
        )
    with pytest.raises(VoiceProviderError, match="cannot clone"):
        provider.clone_create(name="Ada", samples=[sample()])


# --- ElevenLabs through the real SDK --------------------------------------------------------


def test_a_clone_is_made_from_the_samples_and_deleted(fake_elevenlabs):
    provider = voice_provider()
    voice_id = provider.clone_create(name="Ada", samples=[sample("one.mp3"), sample("two.mp3")])

    (request,) = fake_elevenlabs.seen("POST", "^/v1/voices/add$")
    assert request.fields["name"] == "Ada"
    assert [(name, filename) for name, filename, _ in request.files] == [
        ("files", "one.mp3"),
        ("files", "two.mp3"),
    ]
    assert request.files[0][2] == request.files[1][2] != b""  # the audio itself
    assert voice_id in fake_elevenlabs.voices

    deleted = provider.delete_voice(voice_id)
    assert deleted.ok and "200" in deleted.detail
    assert fake_elevenlabs.seen("DELETE", f"/v1/voices/{voice_id}$")
    assert voice_id not in fake_elevenlabs.voices
    again = provider.delete_voice(voice_id)  # already gone counts as deleted
    assert again.ok and "404" in again.detail


def test_speech_streams_each_piece_as_it_arrives(fake_elevenlabs, settings):
    fake_elevenlabs.hold_stream.clear()  # the server sends one piece, then waits
    provider = voice_provider()
    pieces = provider.speech_stream(text="Hello, love.", voice_id="clone-1")
    first = next(pieces)
    assert first and not fake_elevenlabs.stream_finished.is_set()  # not waiting for the rest
    fake_elevenlabs.hold_stream.set()
    audio = first + b"".join(pieces)
    assert audio == fake_elevenlabs.audio
    assert decoded_seconds(audio) > 0.4
    assert provider.speech_mime == "audio/mpeg"

    (request,) = fake_elevenlabs.seen("POST", "^/v1/text-to-speech/clone-1/stream$")
    assert request.fields["text"] == "Hello, love."
    assert request.fields["model_id"] == settings.ELEVENLABS_TTS_MODEL
    assert "output_format=mp3_" in request.query
    assert request.headers["xi-api-key"] == "test-elevenlabs-key"


def test_speech_without_a_clone_uses_a_generic_voice(fake_elevenlabs, settings):
    assert b"".join(voice_provider().speech_stream(text="Hi.", voice_id=None))
    generic = settings.ELEVENLABS_GENERIC_VOICE_ID
    assert fake_elevenlabs.seen("POST", f"^/v1/text-to-speech/{generic}/stream$")


def test_speech_to_text(fake_elevenlabs, settings):
    fake_elevenlabs.transcript = "I agree, my phrase is blue heron."
    heard = voice_provider().transcribe(audio=sample("consent.webm"), language="en")
    assert heard == "I agree, my phrase is blue heron."
    (request,) = fake_elevenlabs.seen("POST", "^/v1/speech-to-text$")
    assert request.fields["model_id"] == settings.ELEVENLABS_STT_MODEL
    assert request.fields["language_code"] == "en"
    assert [filename for _, filename, _ in request.files] == ["consent.webm"]


def test_a_refused_key_is_an_error_naming_the_key_not_a_retry(fake_elevenlabs, settings):
    settings.ELEVENLABS_API_KEY = "wrong-key"
    provider = voice_provider()
    calls = [
        lambda: provider.clone_create(name="Ada", samples=[sample()]),
        lambda: b"".join(provider.speech_stream(text="Hi.", voice_id="v")),
        lambda: provider.transcribe(audio=sample()),
    ]
    for call in calls:
        with pytest.raises(VoiceProviderError) as raised:
            call()
        assert not isinstance(raised.value, VoiceProviderBusy)
        assert raised.value.notice == KEY_NOTICE and "ELEVENLABS_API_KEY" in raised.value.notice
    refused = provider.delete_voice("v")
    assert not refused.ok and "401" in refused.detail


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_busy_and_not_retried_inside(fake_elevenlabs, status):
    provider = voice_provider()
    calls = [
        lambda: provider.clone_create(name="Ada", samples=[sample()]),
        lambda: b"".join(provider.speech_stream(text="Hi.", voice_id="v")),
        lambda: provider.transcribe(audio=sample()),
    ]
    for call in calls:
        fake_elevenlabs.fail_next(status)
        before = len(fake_elevenlabs.requests)
        with pytest.raises(VoiceProviderBusy) as raised:
            call()
        assert str(status) in str(raised.value)
        assert raised.value.reason == raised.value.notice  # what the build's progress says
        assert len(fake_elevenlabs.requests) == before + 1  # the SDK did not retry and sleep
    fake_elevenlabs.fail_next(status)
    failed = provider.delete_voice("v")
    assert not failed.ok and str(status) in failed.detail


def test_a_stream_cut_part_way_fails_from_the_iterator(fake_elevenlabs):
    fake_elevenlabs.cut_stream = True
    pieces = voice_provider().speech_stream(text="A long reply.", voice_id="v")
    assert next(pieces)  # the first piece came through
    with pytest.raises(VoiceProviderError) as raised:
        b"".join(pieces)
    assert not isinstance(raised.value, VoiceProviderBusy)
    assert "cut" in raised.value.notice


def test_an_unreachable_service_is_busy(settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.ELEVENLABS_API_KEY = "k"
    settings.ELEVENLABS_BASE_URL = f"http://127.0.0.1:{port}"
    provider = voice_provider("elevenlabs")
    with pytest.raises(VoiceProviderBusy, match="ConnectError"):
        b"".join(provider.speech_stream(text="Hi.", voice_id="v"))
    with pytest.raises(VoiceProviderBusy):
        provider.clone_create(name="Ada", samples=[sample()])
    assert not provider.delete_voice("v").ok


# --- the offline voice --------------------------------------------------------------------


def test_the_offline_voice_speaks_sentence_by_sentence_in_mp3():
    provider = OfflineVoiceProvider()
    text = "Hello, it is good to hear from you. I remember that summer well. Tell me more."
    pieces = list(provider.speech_stream(text=text, voice_id=None))
    assert len(pieces) >= 3  # one per sentence (and the encoder's tail)
    assert provider.speech_mime == "audio/mpeg"
    seconds = decoded_seconds(b"".join(pieces))
    assert 2.0 < seconds < 15.0
    assert decoded_seconds(pieces[0]) > 0  # the first sentence plays on its own


def test_the_offline_voice_runs_its_model_outside_the_espeak_lock():
    """Only the phonemes are made one thread at a time: a reply's sentence is spoken while
    another thread holds that lock (the speech worker's threads speak side by side)."""
    from voice.providers import offline

    sentences = offline.piper_sentences(
        offline.piper_voice(), "One sentence here. And a second, longer one after it."
    )
    first = next(sentences)  # the phonemes of both made, then the first sentence spoken
    spoken: list[np.ndarray] = []
    with offline._phonemize_lock:  # another reply making its phonemes just now
        thread = threading.Thread(target=lambda: spoken.extend(sentences), daemon=True)
        thread.start()
        thread.join(timeout=60)
        assert not thread.is_alive(), "the model waited for the phonemes' lock"
    assert len(spoken) == 1
    for audio in (first, *spoken):
        assert audio.dtype == np.int16
        assert int(np.max(np.abs(audio))) >= 32000  # scaled to the full range, as Piper does
    assert first.size / offline.piper_voice().config.sample_rate > 0.5


def test_the_offline_listener_hears_the_offline_voice():
    provider = OfflineVoiceProvider()
    assert provider.can_listen and voice_listen_off_reason(provider) == ""
    audio = b"".join(provider.speech_stream(text="Good morning to you.", voice_id=None))
    heard = provider.transcribe(audio=AudioFile("speech.mp3", audio, "audio/mpeg"))
    assert "good morning" in heard.lower()
    with pytest.raises(VoiceProviderError, match="English"):
        provider.transcribe(audio=AudioFile("speech.mp3", audio, "audio/mpeg"), language="fr")
    with pytest.raises(VoiceProviderError) as raised:
        provider.transcribe(audio=AudioFile("x.webm", b"not audio at all", "audio/webm"))
    assert "could not be read" in raised.value.notice


def test_a_model_file_that_is_not_the_pinned_one_is_refused(tmp_path):
    from voice.providers.offline import WHISPER_SHA256, OfflineModelError, _verified

    for name in WHISPER_SHA256:
        (tmp_path / name).write_bytes(b"swapped")
    with pytest.raises(OfflineModelError, match="sha256 differs"):
        _verified(tmp_path, WHISPER_SHA256)
    (tmp_path / "model.bin").unlink()
    with pytest.raises(OfflineModelError, match="missing"):
        _verified(tmp_path, WHISPER_SHA256)


def test_a_provider_that_cannot_listen_says_why(monkeypatch):
    provider = OfflineVoiceProvider()
    monkeypatch.setattr(provider, "can_listen", False)
    monkeypatch.setattr(provider, "listen_off_reason", "")
    assert voice_listen_off_reason(provider) == (
        "Speaking to the twin is off: this Legacy has no speech-to-text set up."
    )


def test_the_offline_models_can_be_loaded_ahead_of_use():
    from voice.providers import offline

    OfflineVoiceProvider().warm().join(timeout=120)
    assert offline._piper is not None and offline._whisper is not None
    assert offline.piper_voice() is offline._piper  # once per process
