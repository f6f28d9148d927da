# ruff: noqa: F811  (the conversation fixtures, imported, are the tests' arguments)
"""The twin listening: a recording held on the button comes back as words for the composer
(never sent by itself, the audio not kept), and with no provider that can listen the button
is off with the reason on the page."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conversations.models import Message
from tests.conversations.conftest import _media_root, family, memorial  # noqa: F401
from tests.voice.speaking_double import (  # noqa: F401
    TRANSCRIPT,
    deaf_double,
    speaking_double,
    tone,
)
from voice.listening import NO_LISTENING, NO_PROVIDER


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def media_files(settings) -> list:
    return (
        [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
        if settings.MEDIA_ROOT.exists()
        else []
    )


def test_what_the_visitor_says_comes_back_as_words_and_is_not_kept(
    memorial, family, speaking_double, settings
):
    recording = tone("hello", seconds=0.3)
    response = signed_in(family).post(
        f"/memorials/{memorial.id}/voice/listen/",
        {"audio": SimpleUploadedFile("speech.webm", recording, content_type="audio/webm")},
    )
    assert response.status_code == 200
    assert response.json() == {"text": TRANSCRIPT}
    heard = speaking_double.heard
    assert [(a.content, a.mime, a.name) for a in heard] == [
        (recording, "audio/webm", "speech.webm")
    ]
    assert media_files(settings) == []  # the recording is not kept
    assert not Message.objects.exists()  # and nothing is sent


def test_an_empty_recording_says_nothing_was_heard(memorial, family, speaking_double):
    response = signed_in(family).post(
        f"/memorials/{memorial.id}/voice/listen/",
        {"audio": SimpleUploadedFile("speech.webm", b"", content_type="audio/webm")},
    )
    assert response.status_code == 409
    assert "Nothing was heard" in response.json()["error"]
    assert speaking_double.heard == []


def test_without_a_provider_that_listens_the_button_is_off_with_the_reason(
    memorial, family, deaf_double
):
    client = signed_in(family)
    response = client.post(
        f"/memorials/{memorial.id}/voice/listen/",
        {"audio": SimpleUploadedFile("speech.webm", b"abc", content_type="audio/webm")},
    )
    assert response.status_code == 409
    assert response.json() == {"error": NO_LISTENING}
    page = client.get(f"/memorials/{memorial.id}/conversation/").content.decode()
    assert "data-hold-to-speak" in page
    hold = page.split("data-hold-to-speak", 1)[1].split(">", 1)[0]
    assert "disabled" in hold
    assert NO_LISTENING in page


def test_the_button_gives_the_providers_own_reason_when_it_has_one(
    memorial, family, deaf_double, monkeypatch
):
    reason = "Speaking to the twin is off: the offline speech-to-text is not installed here."
    monkeypatch.setattr(deaf_double, "listen_off_reason", reason, raising=False)
    client = signed_in(family)
    page = client.get(f"/memorials/{memorial.id}/conversation/").content.decode()
    hold = page.split("data-hold-to-speak", 1)[1].split(">", 1)[0]
    assert "disabled" in hold and 'aria-describedby="voice-listen-reason"' in hold
    assert f'id="voice-listen-reason" data-listen-status role="status">{reason}<' in page
    response = client.post(
        f"/memorials/{memorial.id}/voice/listen/",
        {"audio": SimpleUploadedFile("speech.webm", b"abc", content_type="audio/webm")},
    )
    assert response.json() == {"error": reason}


def test_with_no_voice_provider_at_all_listening_says_so(memorial, family, settings):
    settings.LEGACY_VOICE_PROVIDER = "none-here"
    response = signed_in(family).post(
        f"/memorials/{memorial.id}/voice/listen/",
        {"audio": SimpleUploadedFile("speech.webm", b"abc", content_type="audio/webm")},
    )
    assert response.status_code == 409
    assert response.json() == {"error": NO_PROVIDER}


def test_only_a_visitor_who_may_talk_here_can_be_heard(memorial, speaking_double):
    from tests.memorials.factories import MembershipFactory

    stranger = MembershipFactory().user  # a member of another memorial
    response = signed_in(stranger).post(
        f"/memorials/{memorial.id}/voice/listen/",
        {"audio": SimpleUploadedFile("speech.webm", b"abc", content_type="audio/webm")},
    )
    assert response.status_code == 404
    assert speaking_double.heard == []


def test_the_page_says_whose_voice_it_is(memorial, family, speaking_double):
    page = signed_in(family).get(f"/memorials/{memorial.id}/conversation/").content.decode()
    assert "Not their voice" in page
    assert "It is not Ann Smith&#x27;s voice." in page or "It is not Ann Smith's voice." in page
    assert "data-speak-on" in page  # spoken by default
    hold = page.split("data-hold-to-speak", 1)[1].split(">", 1)[0]
    assert "disabled" not in hold
