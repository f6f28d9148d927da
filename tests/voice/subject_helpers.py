"""Fixtures for the subject's voice tests: a memorial with voice consent, files kept in a
temporary store, and test double providers (with and without speech-to-text)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.consent.factories import grant_consent
from tests.memorials.factories import MemorialFactory
from tests.voice import synth_audio
from voice.providers import PROVIDERS

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "voice"


class ListeningProvider:
    """Hears whatever `heard` says (set by the test); says it can clone (it is never asked
    to here), never speaks."""

    name = "listening"
    label = "the test speech-to-text"
    can_clone = True
    can_listen = True
    speech_mime = "audio/mpeg"
    heard = ""
    calls: list[str] = []

    def transcribe(self, *, audio, language="en"):
        ListeningProvider.calls.append(audio.mime)
        return ListeningProvider.heard


class DeafProvider:
    name = "deaf"
    label = "a voice service without speech-to-text"
    can_clone = False
    can_listen = False
    speech_mime = "audio/mpeg"


@pytest.fixture
def listening(monkeypatch, settings):
    monkeypatch.setitem(PROVIDERS, "listening", ListeningProvider)
    settings.LEGACY_VOICE_PROVIDER = "listening"
    ListeningProvider.heard, ListeningProvider.calls = "", []
    return ListeningProvider


@pytest.fixture
def deaf(monkeypatch, settings):
    monkeypatch.setitem(PROVIDERS, "deaf", DeafProvider)
    settings.LEGACY_VOICE_PROVIDER = "deaf"
    return DeafProvider


@pytest.fixture
def media_root(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    return settings.MEDIA_ROOT


@pytest.fixture
def voiced(db, media_root):
    """A memorial whose subject has signed the voice consent."""
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, "voice")
    return memorial


def clip(tmp_path: Path, name: str, samples=None, **kwargs) -> SimpleUploadedFile:
    """A synthetic recording (clear phrases unless `samples` is given) as an uploaded file."""
    path = synth_audio.write(
        tmp_path / name, synth_audio.phrases() if samples is None else samples, **kwargs
    )
    return SimpleUploadedFile(name, path.read_bytes())
