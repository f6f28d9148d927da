"""The spoken consent: before any clone is made, the subject reads a short statement aloud,
with a phrase made for that moment (so an old recording cannot stand in for it).

The recording is kept encrypted with the live `voice` consent record it was given for
(`SpokenConsent.consent`). Where the voice provider has speech-to-text (`can_listen`), the
recording is kept CHECKING and the check runs in a task bound to the `voice` consent
(`voice.tasks.voice_spoken_consent_check`, so offline Whisper never holds the request); the
page is told when it is done ("voice.spoken_consent" event). What it heard is checked
against the statement: the phrase must be there in full and most of the
statement's words with it (MATCHED), else MISMATCHED, and the subject is asked to try again
with a new phrase. Without speech-to-text the recording is kept UNCHECKED, and the page says
the words could not be checked. `voice.selectors.spoken_consent_live` is what cloning asks.

A withdrawal leaves the spoken consent with its revoked record, as history; signing again
makes a new record, which needs a new spoken consent.
"""

from __future__ import annotations

import difflib
import re
import secrets
import uuid
from datetime import timedelta
from pathlib import PurePath
from typing import Any, BinaryIO

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from consent.gate import consent_hold, consent_require
from core.audit import audit_record
from core.consent import ConsentRequired, ConsentScope
from core.crypto import memorial_cipher
from core.events import EventKind, event_send_on_commit
from core.files import (
    memorial_file_chunks,
    memorial_file_decrypted,
    memorial_file_delete,
    memorial_file_save,
)
from memorials.models import Memorial
from voice.analysis import AudioUnreadable, audio_analyse, audio_decode, audio_mime
from voice.models import SpokenConsent, TranscriptCheck
from voice.providers import voice_provider
from voice.providers.base import AudioFile, VoiceProviderError

RECORDINGS = "voice-consent"  # the folder in the file store
VOICE = ConsentScope.VOICE
PHRASE_FRESH_FOR = timedelta(hours=1)  # a phrase not recorded within this is replaced
STATEMENT_SHARE_NEEDED = 0.8  # of the statement's words that must be heard

# Plain, distinct words that speech-to-text hears reliably.
PHRASE_WORDS = (
    "apple", "harbour", "lantern", "meadow", "pebble", "orchard", "candle", "river", "garden",
    "willow", "copper", "ribbon", "kettle", "sparrow", "blanket", "window", "violin", "thistle",
    "marble", "pocket", "island", "feather", "bridge", "basket", "pencil", "walnut", "velvet",
    "compass", "mountain", "button", "cottage", "honey", "ladder", "needle", "lemon", "clover",
    "falcon", "shadow", "anchor", "pillow", "rocket", "tiger", "forest", "silver", "yellow",
    "winter", "summer", "morning", "cherry", "doctor",
)  # fmt: skip

_NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip


class SpokenConsentError(Exception):
    """The recording could not be taken (not audio, no voice in it, or speech-to-text
    failed); the message says what to do, in plain words. Nothing was kept."""


def phrase_new() -> str:
    """Three plain words and a number from 10 to 99, drawn for this moment."""
    words = [secrets.choice(PHRASE_WORDS) for _ in range(3)]
    while len(set(words)) < 3:
        words = [secrets.choice(PHRASE_WORDS) for _ in range(3)]
    return f"{' '.join(words)} {secrets.randbelow(90) + 10}"


def statement_for(*, memorial: Memorial, phrase: str) -> str:
    return (
        f"I am {memorial.name}. I agree that Legacy may make a copy of my voice from my "
        "recordings, so that my twin can speak in my voice to the people I choose. "
        "I can withdraw this at any time. "
        f"Today\u2019s words are: {phrase}."
    )


def spoken_consent_start(*, memorial: Memorial) -> SpokenConsent:
    """The statement to read now: the pending one for the live `voice` consent if its phrase
    is still fresh, else a new one with a new phrase. Needs consent `voice` (signed)."""
    record = consent_require(memorial_id=memorial.id, scope=VOICE)
    pending = (
        SpokenConsent.objects.filter(
            memorial_id=memorial.id,
            consent=record,
            transcript_check=TranscriptCheck.PENDING,
            created_at__gte=timezone.now() - PHRASE_FRESH_FOR,
        )
        .order_by("-created_at")
        .first()
    )
    if pending is not None:
        return pending
    phrase = phrase_new()
    return SpokenConsent.objects.create(
        memorial_id=memorial.id,
        consent=record,
        phrase=phrase,
        statement=statement_for(memorial=memorial, phrase=phrase),
    )


# --- checking what was heard ---------------------------------------------------------------


def words_normalised(text: str) -> list[str]:
    """Lower case, punctuation dropped, numbers as digits ("forty-seven", "forty seven" and
    "47" all become "47"), and "today's" as "todays"."""
    raw = re.findall(r"[a-z0-9]+", text.lower().replace("\u2019", "").replace("'", ""))
    words: list[str] = []
    for word in raw:
        if word in _TENS:
            words.append(str(_TENS[word]))
        elif word in _NUMBER_WORDS:
            unit = _NUMBER_WORDS[word]
            after_tens = words and words[-1].isdigit() and int(words[-1]) in _TENS.values()
            if after_tens and 0 < unit < 10:
                words.append(str(int(words.pop()) + unit))
            else:
                words.append(str(unit))
        else:
            words.append(word)
    return words


def transcript_check(*, statement: str, phrase: str, transcript: str) -> tuple[str, str]:
    """(MATCHED or MISMATCHED, what was checked, in plain words)."""
    said = words_normalised(transcript)
    expected = words_normalised(statement)
    wanted = words_normalised(phrase)
    phrase_heard = any(said[index : index + len(wanted)] == wanted for index in range(len(said)))
    matcher = difflib.SequenceMatcher(a=expected, b=said, autojunk=False)
    heard = sum(block.size for block in matcher.get_matching_blocks())
    share = heard / len(expected) if expected else 0.0
    counted = f"{heard} of the statement's {len(expected)} words were heard ({share:.0%})"
    if phrase_heard and share >= STATEMENT_SHARE_NEEDED:
        return TranscriptCheck.MATCHED, f"Today's words “{phrase}” were heard, and {counted}."
    missing = [] if phrase_heard else [f"today's words “{phrase}” were not heard"]
    if share < STATEMENT_SHARE_NEEDED:
        missing.append(f"only {counted}; at least {STATEMENT_SHARE_NEEDED:.0%} are needed")
    return TranscriptCheck.MISMATCHED, "; ".join(missing).capitalize() + "."


def spoken_consent_record(
    *, spoken: SpokenConsent, file: BinaryIO | File, name: str, actor: Any = None
) -> SpokenConsent:
    """Keep the subject's recording of the statement (encrypted, with the consent record it
    was started under). Where speech-to-text is available it is kept CHECKING and its words
    are checked by a task (`spoken_consent_check`); without, it is kept UNCHECKED.

    Needs consent `voice`, and the same record the statement was made for (withdrawn and
    signed again: start again). Raises SpokenConsentError, keeping nothing, for a file that
    is not a recording with a voice in it."""
    from voice.tasks import voice_spoken_consent_check

    record = consent_require(memorial_id=spoken.memorial_id, scope=VOICE)
    if spoken.consent_id != record.id or spoken.transcript_check != TranscriptCheck.PENDING:
        raise ConsentRequired(VOICE)
    memorial_id = spoken.memorial_id
    path = memorial_file_save(
        memorial_id=memorial_id, kind=RECORDINGS, name=f"{spoken.id}.enc", source=file
    )
    try:
        suffix = PurePath(name or "").suffix[:16]
        with memorial_file_decrypted(memorial_id=memorial_id, name=path, suffix=suffix) as plain:
            decoded = audio_decode(plain)
            if audio_analyse(decoded).speech_s < 2.0:
                raise SpokenConsentError(
                    "We could not hear you reading the statement. Check that the microphone "
                    "is on, and read it again."
                )
        mime = audio_mime(decoded.container)
    except AudioUnreadable as unreadable:
        memorial_file_delete(name=path)
        raise SpokenConsentError(f"{unreadable} Please record it again.") from unreadable
    except SpokenConsentError:
        memorial_file_delete(name=path)
        raise
    listening = voice_provider().can_listen
    with transaction.atomic():
        # the record it was started under, still live, held until this commits
        try:
            consent_hold(memorial_id=memorial_id, scope=VOICE, record_id=spoken.consent_id)
        except ConsentRequired:
            memorial_file_delete(name=path)
            raise
        spoken.path, spoken.mime = path, mime
        spoken.recorded_at = timezone.now()
        if listening:
            spoken.transcript_check = TranscriptCheck.CHECKING
            spoken.detail = "Your recording is kept; its words are being checked."
        else:
            spoken.transcript_check, spoken.detail = TranscriptCheck.UNCHECKED, UNCHECKED_DETAIL
        spoken.save()
        audit_record(
            action="voice.spoken_consent_recorded",
            memorial_id=memorial_id,
            actor=actor,
            data={"scope": VOICE, "check": spoken.transcript_check},
        )
        if listening:
            voice_spoken_consent_check.enqueue(memorial_id=memorial_id, spoken_id=str(spoken.id))
    return spoken


UNCHECKED_DETAIL = (
    "No speech-to-text is available here, so the words could not be checked automatically. "
    "Your recording is kept with your consent."
)


def spoken_consent_check(*, spoken_id: uuid.UUID | str) -> SpokenConsent | None:
    """Check a kept recording's words against its statement with the provider's
    speech-to-text (the task's work), and store the result (MATCHED or MISMATCHED) in a step
    that holds the `voice` consent record it was given under. When speech-to-text fails, the
    recording is deleted and the statement waits to be read again (PENDING), saying why.
    The subject's open pages are told either way. None when there was nothing to check."""
    spoken = SpokenConsent.objects.filter(
        id=spoken_id, transcript_check=TranscriptCheck.CHECKING
    ).first()
    if spoken is None:
        return None
    provider = voice_provider()
    content = b"".join(memorial_file_chunks(memorial_id=spoken.memorial_id, name=spoken.path))
    try:
        if not provider.can_listen:
            raise VoiceProviderError("no speech-to-text", notice="Speech-to-text is off here.")
        transcript = provider.transcribe(
            audio=AudioFile(name="consent", content=content, mime=spoken.mime)
        )
    except VoiceProviderError as error:
        detail = (
            f"{error.notice} Your words could not be checked, so nothing was kept: please "
            "record it again in a little while."
        )
        with transaction.atomic():
            memorial_file_delete(name=spoken.path)
            spoken.path, spoken.mime, spoken.recorded_at = "", "", None
            spoken.transcript_check, spoken.detail = TranscriptCheck.PENDING, detail[:500]
            spoken.save()
            _checked_event_send(spoken=spoken)
        return spoken
    result, detail = transcript_check(
        statement=spoken.statement, phrase=spoken.phrase, transcript=transcript
    )
    cipher = memorial_cipher(memorial_id=spoken.memorial_id)
    with transaction.atomic():
        consent_hold(memorial_id=spoken.memorial_id, scope=VOICE, record_id=spoken.consent_id)
        spoken.transcript_encrypted = cipher.encrypt_text(transcript)
        spoken.transcript_check = result
        spoken.detail = f"Checked by speech-to-text ({provider.name}). {detail}"[:500]
        spoken.checked_by = provider.name[:100]
        spoken.save()
        audit_record(
            action="voice.spoken_consent_checked",
            memorial_id=spoken.memorial_id,
            data={"scope": VOICE, "check": result},
        )
        _checked_event_send(spoken=spoken)
    return spoken


def spoken_consent_check_stopped(*, spoken_id: uuid.UUID | str) -> None:
    """The `voice` consent was withdrawn before the words were checked: the recording stays
    with that (withdrawn) record as history, unchecked and never counted."""
    SpokenConsent.objects.filter(id=spoken_id, transcript_check=TranscriptCheck.CHECKING).update(
        detail="Not checked: your consent for your voice was withdrawn."
    )


def _checked_event_send(*, spoken: SpokenConsent) -> None:
    event_send_on_commit(
        memorial_id=spoken.memorial_id,
        kind=EventKind.VOICE_SPOKEN_CONSENT,
        data={"spoken_id": str(spoken.id), "check": spoken.transcript_check},
    )


def spoken_consent_transcript(*, spoken: SpokenConsent) -> str:
    if not spoken.transcript_encrypted:
        return ""
    return memorial_cipher(memorial_id=spoken.memorial_id).decrypt_text(
        bytes(spoken.transcript_encrypted)
    )
