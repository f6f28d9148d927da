"""Voice: the subject's samples, their spoken consent, clones held by a provider (and every
call made to one), and the twin's spoken replies."""

from __future__ import annotations

import uuid

from django.db import models


class VoiceClone(models.Model):
    """A copy of the subject's voice that lives at a provider (e.g. an ElevenLabs voice id).

    Only its remote id is kept here; deleting it means asking the provider to delete it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="voice_clones"
    )
    provider = models.CharField(max_length=32)
    remote_id = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)  # deleted at the provider

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "remote_id"], name="voice_clone_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} voice {self.remote_id}"


class VoiceProviderCall(models.Model):
    """One call to a voice provider and how it went: the record that a deletion happened.

    Names the memorial by its keyed audit reference, not its id, so the record can outlive
    an erasure without pointing at the erased memorial."""

    class Action(models.TextChoices):
        DELETE_VOICE = "delete_voice", "Delete a voice clone"
        CREATE_VOICE = "create_voice", "Make a voice clone"

    provider = models.CharField(max_length=32)
    action = models.CharField(max_length=32, choices=Action.choices)
    remote_id = models.CharField(max_length=200, blank=True)
    memorial_ref = models.CharField(max_length=64, blank=True, db_index=True)
    ok = models.BooleanField()
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.provider} {self.action} {self.remote_id}: {'ok' if self.ok else 'failed'}"


class SampleSource(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded file"
    RECORDED = "recorded", "Recorded in the browser"


class SampleStatus(models.TextChoices):
    ANALYSING = "analysing", "Listening to it"
    READY = "ready", "Analysed"
    FAILED = "failed", "Could not be read"


class SampleVerdict(models.TextChoices):
    GOOD = "good", "Good for your voice"
    USABLE = "usable", "Usable"
    POOR = "poor", "Not good enough to use"


class VoiceSample(models.Model):
    """A recording of the subject's voice: the file (encrypted, in the kernel's file store)
    and what the analysis heard in it (`voice.analysis`). Needs consent `voice`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="voice_samples"
    )
    source = models.CharField(max_length=16, choices=SampleSource.choices)
    name_encrypted = models.BinaryField()  # the file's name, as the subject named it
    mime = models.CharField(max_length=100, blank=True)  # as detected from the content
    size = models.BigIntegerField()
    content_hash = models.CharField(max_length=64)  # keyed to the memorial (a re-upload: no-op)
    path = models.CharField(max_length=500)  # its name in the encrypted file store (core.files)
    status = models.CharField(
        max_length=16, choices=SampleStatus.choices, default=SampleStatus.ANALYSING
    )
    error = models.TextField(blank=True)  # why it could not be read, in plain words
    # The analysis's figures (duration_s, sample_rate, channels, loudness_lufs, clipped_share,
    # speech_share, noise_floor_db, snr_db, ...) and its advice: numbers and our own words.
    analysis = models.JSONField(default=dict, blank=True)
    verdict = models.CharField(max_length=16, choices=SampleVerdict.choices, blank=True)
    use_for_clone = models.BooleanField(default=True)  # the subject may leave one out
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["memorial", "content_hash"], name="voice_sample_once"),
        ]

    def __str__(self) -> str:
        return f"voice sample {self.id} ({self.status})"


class TranscriptCheck(models.TextChoices):
    PENDING = "pending", "Not recorded yet"
    CHECKING = "checking", "Recorded; the words are being checked"
    MATCHED = "matched", "The words heard match the statement"
    MISMATCHED = "mismatched", "The words heard do not match the statement"
    UNCHECKED = "unchecked", "Recorded; no speech-to-text was available to check the words"


class SpokenConsent(models.Model):
    """The subject reading the voice consent statement aloud, with a phrase made for that
    moment: the recording (encrypted), what speech-to-text heard, and whether it matched.
    Kept with the `voice` consent record it was given for."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    memorial = models.ForeignKey(
        "memorials.Memorial", on_delete=models.CASCADE, related_name="spoken_consents"
    )
    consent = models.ForeignKey(
        "consent.ConsentRecord",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="spoken",
    )
    statement = models.TextField()  # the words to read, the phrase included
    phrase = models.CharField(max_length=200)  # made for this moment
    path = models.CharField(max_length=500, blank=True)  # the recording, once made
    mime = models.CharField(max_length=100, blank=True)
    transcript_encrypted = models.BinaryField(default=bytes)
    transcript_check = models.CharField(
        max_length=16, choices=TranscriptCheck.choices, default=TranscriptCheck.PENDING
    )
    checked_by = models.CharField(max_length=100, blank=True)  # the speech-to-text used
    detail = models.CharField(max_length=500, blank=True)  # what was checked, in plain words
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"spoken consent {self.id} ({self.transcript_check})"


class SpokenReplyStatus(models.TextChoices):
    SPEAKING = "speaking", "Being spoken"
    COMPLETE = "complete", "Spoken"
    FAILED = "failed", "Could not be spoken"


class SpokenReply(models.Model):
    """A twin reply's audio, stored (encrypted) so the visitor can play it again.

    `voice_kind` says whose voice it is: the subject's clone, or a generic voice that is not
    theirs (the page says which)."""

    class VoiceKind(models.TextChoices):
        CLONE = "clone", "Made from their recordings"
        GENERIC = "generic", "A generic voice, not theirs"

    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="spoken"
    )
    provider = models.CharField(max_length=32)
    voice_kind = models.CharField(max_length=16, choices=VoiceKind.choices)
    mime = models.CharField(max_length=100)
    path = models.CharField(max_length=500, blank=True)  # the whole reply's audio, once done
    chunks = models.PositiveIntegerField(default=0)  # audio chunks sent so far
    duration_s = models.FloatField(default=0.0)
    status = models.CharField(
        max_length=16, choices=SpokenReplyStatus.choices, default=SpokenReplyStatus.SPEAKING
    )
    notice = models.CharField(max_length=300, blank=True)  # speech failed: the text stands
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"spoken reply to message {self.message_id} ({self.status})"


class ConversationVoice(models.Model):
    """A visitor's voice settings in one conversation: spoken replies on or off (the
    text-only toggle), and when the audible AI notice was last played."""

    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="voice"
    )
    speak = models.BooleanField(default=True)
    notice_spoken_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"voice for conversation {self.conversation_id}"
