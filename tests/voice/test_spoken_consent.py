"""The spoken consent: a statement with a fresh phrase, read aloud, kept with the voice
consent record, checked where speech-to-text exists; the clone gate asks for it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consent.gate import ConsentRequired, consent_require
from consent.services import consent_revoke
from core.audit import audit_events_for
from core.files import memorial_file_storage, memorial_files_count
from core.holders import holders
from memorials.erasure.services import memorial_erase
from tests.consent.factories import grant_consent
from tests.voice import synth_audio
from tests.voice.subject_helpers import clip
from voice.models import SpokenConsent, TranscriptCheck
from voice.selectors import spoken_consent_live
from voice.spoken_consent import (
    spoken_consent_check,
    spoken_consent_record,
    spoken_consent_start,
    spoken_consent_transcript,
    transcript_check,
    words_normalised,
)

pytestmark = pytest.mark.django_db


def record_via_page(client, memorial, recording):
    page = client.get(reverse("voice:spoken_consent", args=[memorial.id]))
    spoken = page.context["statement"]
    response = client.post(
        reverse("voice:spoken_consent_record", args=[memorial.id]),
        {"spoken_id": str(spoken.id), "recording": recording},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    return spoken, response


def checked(spoken: SpokenConsent) -> SpokenConsent:
    """The check's task, as the worker runs it once the recording is kept (CHECKING)."""
    assert SpokenConsent.objects.get(id=spoken.id).transcript_check == TranscriptCheck.CHECKING
    result = spoken_consent_check(spoken_id=spoken.id)
    assert result is not None
    return result


def spoken_aloud(statement: str) -> str:
    """How speech-to-text might write the statement: its own punctuation and casing, the
    number in words."""
    words = statement.replace(".", "").replace(":", "").replace("\u2019", "'")
    for number in range(10, 100):
        tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
                "ninety"][number // 10]  # fmt: skip
        if number >= 20 and f" {number}" in words:
            unit = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"][
                number % 10
            ]
            words = words.replace(f" {number}", f" {tens}-{unit}" if unit else f" {tens}")
    return words.upper()


def test_the_page_gives_a_statement_with_a_phrase_made_for_the_moment(client, voiced, deaf):
    client.force_login(voiced.subject)
    page = client.get(reverse("voice:spoken_consent", args=[voiced.id]))
    spoken = page.context["statement"]
    assert spoken.consent == consent_require(memorial_id=voiced.id, scope="voice")
    assert spoken.phrase in spoken.statement and "Ann Smith" in spoken.statement
    words = spoken.phrase.split()
    assert len(words) == 4 and words[3].isdigit() and 10 <= int(words[3]) <= 99
    content = page.content.decode()
    assert spoken.phrase in content and "cannot be checked automatically" in content
    # the same pending statement while its phrase is fresh (a reload does not change it)
    again = client.get(reverse("voice:spoken_consent", args=[voiced.id]))
    assert again.context["statement"] == spoken and SpokenConsent.objects.count() == 1
    # phrases are drawn, not fixed: twenty draws are not all the same
    phrases = set()
    for _ in range(20):
        SpokenConsent.objects.all().delete()
        phrases.add(spoken_consent_start(memorial=voiced).phrase)
    assert len(phrases) > 15


def test_without_speech_to_text_it_is_kept_unchecked_and_counts(client, voiced, deaf, tmp_path):
    client.force_login(voiced.subject)
    spoken, response = record_via_page(client, voiced, clip(tmp_path, "consent.webm"))
    assert response.status_code == 200 and response.json()["check"] == "unchecked"
    spoken.refresh_from_db()
    assert spoken.transcript_check == TranscriptCheck.UNCHECKED
    assert "could not be checked automatically" in spoken.detail
    assert spoken.mime == "audio/webm" and spoken.recorded_at is not None
    stored = memorial_file_storage().open(spoken.path).read()
    assert b"webm" not in stored[:64]  # encrypted
    assert spoken_consent_live(memorial_id=voiced.id) == spoken
    page = client.get(reverse("voice:spoken_consent", args=[voiced.id])).content.decode()
    assert "Your spoken consent is kept" in page
    assert "could not be checked automatically" in page
    assert "voice.spoken_consent_recorded" in [
        e.action for e in audit_events_for(memorial_id=voiced.id)
    ]


def test_a_matching_transcript_is_matched_and_says_what_was_checked(
    client, voiced, listening, tmp_path, monkeypatch
):
    client.force_login(voiced.subject)
    spoken = spoken_consent_start(memorial=voiced)
    listening.heard = spoken_aloud(spoken.statement)
    spoken, response = record_via_page(client, voiced, clip(tmp_path, "consent.m4a"))
    assert response.json()["check"] == "checking"  # kept; its words checked by a task
    assert listening.calls == []  # not in the request
    waiting = client.get(reverse("voice:spoken_consent", args=[voiced.id])).content.decode()
    assert f'data-spoken-checking="{spoken.id}"' in waiting and "Checking your words" in waiting
    assert spoken_consent_live(memorial_id=voiced.id) is None  # not counted until checked
    sent = []
    monkeypatch.setattr(
        "voice.spoken_consent.event_send_on_commit", lambda **event: sent.append(event)
    )
    spoken = checked(spoken)
    assert [(e["kind"], e["data"]) for e in sent] == [
        ("voice.spoken_consent", {"spoken_id": str(spoken.id), "check": "matched"})
    ]  # the page, waiting, reloads
    spoken.refresh_from_db()
    assert spoken.transcript_check == TranscriptCheck.MATCHED
    assert spoken.checked_by == listening.name
    assert spoken.detail.startswith("Checked by speech-to-text (listening).")
    assert f"“{spoken.phrase}” were heard" in spoken.detail and "100%" in spoken.detail
    assert spoken_consent_transcript(spoken=spoken) == listening.heard
    assert b"TODAY" not in bytes(spoken.transcript_encrypted)
    assert listening.calls == ["audio/mp4"]
    assert spoken_consent_live(memorial_id=voiced.id) == spoken
    page = client.get(reverse("voice:spoken_consent", args=[voiced.id])).content.decode()
    assert "were heard, and" in page and "Your spoken consent is kept" in page
    samples = client.get(reverse("voice:samples", args=[voiced.id])).content.decode()
    assert "your words were checked" in samples
    assert "no voice service that can copy a voice" not in samples


def test_a_transcript_that_does_not_match_is_refused_and_asks_again(
    client, voiced, listening, tmp_path
):
    client.force_login(voiced.subject)
    first = spoken_consent_start(memorial=voiced)
    # the statement without today's words: an old recording would sound like this
    listening.heard = first.statement.replace(first.phrase, "apple river candle 12")
    spoken, response = record_via_page(client, voiced, clip(tmp_path, "consent.wav"))
    assert spoken == first and response.json()["check"] == "checking"
    spoken = checked(spoken)
    assert spoken.transcript_check == TranscriptCheck.MISMATCHED
    assert "were not heard" in spoken.detail
    assert spoken_consent_live(memorial_id=voiced.id) is None  # never clones
    again = client.get(reverse("voice:spoken_consent", args=[voiced.id]))
    assert "Please try once more" in again.content.decode()
    assert again.context["statement"].id != first.id  # a new phrase for the new try
    # and a recording of something else entirely
    listening.heard = "Hello, hello, is this thing on? Testing one two three."
    other, _ = record_via_page(client, voiced, clip(tmp_path, "other.wav", seed_clip(2)))
    assert checked(other).transcript_check == TranscriptCheck.MISMATCHED
    assert spoken_consent_live(memorial_id=voiced.id) is None


def seed_clip(seed):
    return synth_audio.phrases(seed=seed)


def test_not_audio_and_silence_are_refused_and_nothing_is_kept(client, voiced, deaf, tmp_path):
    client.force_login(voiced.subject)
    letter = SimpleUploadedFile("consent.webm", b"not a recording at all, just words")
    spoken, response = record_via_page(client, voiced, letter)
    assert response.status_code == 400 and "not a sound recording" in response.json()["error"]
    silence = clip(tmp_path, "quiet.wav", synth_audio.silent())
    _, response = record_via_page(client, voiced, silence)
    assert response.status_code == 400 and "could not hear you" in response.json()["error"]
    spoken.refresh_from_db()
    assert spoken.transcript_check == TranscriptCheck.PENDING and not spoken.path
    assert memorial_files_count(memorial_id=voiced.id, kind="voice-consent") == 0


def test_written_consent_comes_first(client, voiced, deaf, tmp_path):
    consent_revoke(user=voiced.subject, memorial_id=voiced.id, scope="voice")
    client.force_login(voiced.subject)
    page = client.get(reverse("voice:spoken_consent", args=[voiced.id]))
    assert page.context["statement"] is None
    assert "First, your written consent" in page.content.decode()
    with pytest.raises(ConsentRequired):
        spoken_consent_start(memorial=voiced)


def test_withdrawing_keeps_the_recording_as_history_and_a_new_one_is_needed(voiced, deaf, tmp_path):
    spoken = spoken_consent_start(memorial=voiced)
    spoken_consent_record(spoken=spoken, file=clip(tmp_path, "c.wav"), name="c.wav")
    assert spoken_consent_live(memorial_id=voiced.id) == spoken
    consent_revoke(user=voiced.subject, memorial_id=voiced.id, scope="voice")
    spoken.refresh_from_db()
    assert spoken.consent.revoked_at is not None and spoken.path  # kept, with the old record
    assert spoken_consent_live(memorial_id=voiced.id) is None
    grant_consent(voiced, "voice")  # signed again: a new record
    assert spoken_consent_live(memorial_id=voiced.id) is None
    fresh = spoken_consent_start(memorial=voiced)
    assert fresh.id != spoken.id and fresh.consent_id != spoken.consent_id


def test_a_statement_started_under_a_withdrawn_consent_cannot_be_recorded(voiced, deaf, tmp_path):
    spoken = spoken_consent_start(memorial=voiced)
    consent_revoke(user=voiced.subject, memorial_id=voiced.id, scope="voice")
    grant_consent(voiced, "voice")
    with pytest.raises(ConsentRequired):
        spoken_consent_record(spoken=spoken, file=clip(tmp_path, "c.wav"), name="c.wav")


def test_the_clone_gate_counts_nothing_without_a_spoken_consent(voiced, listening, tmp_path):
    """What cloning asks (`spoken_consent_live`): nothing with only the written consent, a
    statement not yet recorded, or one heard not to match; only a matched (or, with no
    speech-to-text, unchecked) recording under the live record."""
    assert spoken_consent_live(memorial_id=voiced.id) is None
    spoken = spoken_consent_start(memorial=voiced)
    assert spoken_consent_live(memorial_id=voiced.id) is None  # pending
    listening.heard = "something else"
    spoken_consent_record(spoken=spoken, file=clip(tmp_path, "a.wav"), name="a.wav")
    assert spoken_consent_live(memorial_id=voiced.id) is None  # being checked
    checked(spoken)
    assert spoken_consent_live(memorial_id=voiced.id) is None  # mismatched
    again = spoken_consent_start(memorial=voiced)
    listening.heard = again.statement
    spoken_consent_record(
        spoken=again, file=clip(tmp_path, "b.wav", synth_audio.phrases(seed=5)), name="b.wav"
    )
    checked(again)
    assert spoken_consent_live(memorial_id=voiced.id) == again


def test_speech_to_text_failing_keeps_nothing_and_says_so(voiced, listening, tmp_path):
    from voice.providers.base import VoiceProviderBusy

    def fails(self, *, audio, language="en"):
        raise VoiceProviderBusy("429", notice="The voice service is busy.")

    listening.transcribe = fails
    try:
        spoken = spoken_consent_start(memorial=voiced)
        spoken_consent_record(spoken=spoken, file=clip(tmp_path, "a.wav"), name="a.wav")
        checked(spoken)
    finally:
        del listening.transcribe
    spoken.refresh_from_db()
    assert spoken.transcript_check == TranscriptCheck.PENDING and not spoken.path
    assert "busy" in spoken.detail and "record it again" in spoken.detail
    assert memorial_files_count(memorial_id=voiced.id, kind="voice-consent") == 0
    assert spoken_consent_start(memorial=voiced) == spoken  # the same statement, read again


def test_words_are_normalised_before_they_are_compared():
    assert words_normalised("Today's words are: Apple, river; CANDLE forty-seven.") == [
        "todays", "words", "are", "apple", "river", "candle", "47",
    ]  # fmt: skip
    assert words_normalised("thirty two") == ["32"] and words_normalised("ninety") == ["90"]
    statement = "I am Ann. I agree. Today's words are: apple river candle 47."
    result, detail = transcript_check(
        statement=statement,
        phrase="apple river candle 47",
        transcript="I am Ann I agree todays words are apple river candle forty seven",
    )
    assert result == TranscriptCheck.MATCHED
    result, detail = transcript_check(
        statement=statement, phrase="apple river candle 47", transcript="apple river candle 47"
    )
    assert result == TranscriptCheck.MISMATCHED and "only 4 of" in detail.lower()


def test_erasure_and_export_include_the_spoken_consent(voiced, deaf, tmp_path):
    spoken = spoken_consent_start(memorial=voiced)
    spoken_consent_record(spoken=spoken, file=clip(tmp_path, "c.wav"), name="c.wav")
    written = {}

    class Writer:
        def write_json(self, path, data):
            written[path] = data

        def write_bytes(self, path, chunks):
            written[path] = b"".join(chunks)

    holder = next(h for h in holders() if h.name == "voice.spoken_consent")
    holder.export(voiced.id, Writer())
    assert written["voice/spoken_consent.json"][0]["phrase"] == spoken.phrase
    assert written[f"voice/spoken_consent/{spoken.id}.wav"][:4] == b"RIFF"
    path = spoken.path
    memorial_erase(memorial=voiced, actor=voiced.subject, reason="test")
    assert not SpokenConsent.objects.exists()
    assert not memorial_file_storage().exists(path)


def test_a_recording_made_elsewhere_can_be_sent_without_the_recorder(
    client, voiced, deaf, tmp_path
):
    client.force_login(voiced.subject)
    page = client.get(reverse("voice:spoken_consent", args=[voiced.id]))
    spoken = page.context["statement"]
    assert "Or send a recording made another way" in page.content.decode()
    response = client.post(
        reverse("voice:spoken_consent_record", args=[voiced.id]),
        {"spoken_id": str(spoken.id), "recording": clip(tmp_path, "Voice memo 12.m4a")},
        follow=True,
    )
    assert "Your spoken consent is kept" in response.content.decode()
    assert spoken_consent_live(memorial_id=voiced.id) == spoken
