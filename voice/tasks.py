from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import task_revoked, worker_ready
from django.conf import settings

from core.consent import ConsentScope
from core.tasks import MemorialTask
from voice.sample_analysis import sample_analyse, sample_failed, sample_stopped
from voice.services import voice_clones_delete_for
from voice.speaking import (
    SPEECH_TASK_EXPIRES_SECONDS,
    reply_speak,
    reply_speech_missed,
    speech_worker_warm,
)
from voice.spoken_consent import spoken_consent_check, spoken_consent_check_stopped


@worker_ready.connect
def _speech_voice_warm(sender: Any, **_: Any) -> None:
    """The worker that serves the speech queue loads its voice as it starts (the offline
    Piper voice: a second or more), not on the first reply it speaks."""
    if settings.LEGACY_SPEECH_QUEUE in sender.app.amqp.queues.consume_from:
        speech_worker_warm()


@shared_task(base=MemorialTask, scope=None, max_retries=12)
def voice_clones_delete(*, memorial_id: str, keep: str = "") -> int:
    """Delete the memorial's remote voice clones (after `voice` consent is withdrawn; or, with
    `keep`, the older ones a new clone replaced). It only removes data, so it needs no
    consent; a provider that did not confirm a deletion raises VoiceDeletionFailed (a
    TransientError), which retries with backoff."""
    return voice_clones_delete_for(memorial_id=memorial_id, keep=keep)


class SampleAnalyseTask(MemorialTask):
    scope = ConsentScope.VOICE

    def consent_withdrawn(self, **kwargs: Any) -> None:
        sample_stopped(sample_id=kwargs["sample_id"])

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        sample_failed(sample_id=kwargs["sample_id"])


@shared_task(base=SampleAnalyseTask)
def voice_sample_analyse(*, memorial_id: str, sample_id: str) -> str | None:
    """Listen to one voice sample (decode, measure, verdict). Each sample is its own task, so
    a broken file fails alone and the others go on. Safe to run twice."""
    sample = sample_analyse(sample_id=sample_id)
    return sample.status if sample is not None else None


class ReplySpeakTask(MemorialTask):
    """Speech is of the moment: a task lost with its worker is not run again later, nor
    retried (a failure is told to the visitor as it happens)."""

    acks_late = False
    reject_on_worker_lost = False
    max_retries = 0
    # The speech queue, served by a worker of its own (`make run`); a task not started in
    # time is dropped (voice.speaking.SPEECH_TASK_EXPIRES_SECONDS), its visitor told so
    # (`_speech_expired`).
    queue = settings.LEGACY_SPEECH_QUEUE
    expires = SPEECH_TASK_EXPIRES_SECONDS


@shared_task(base=ReplySpeakTask, ignore_result=True)
def voice_reply_speak(*, memorial_id: str, message_id: int, scope: str, feed: str) -> None:
    """Speak one reply as its text streams, from its feed of sentences (`voice.speaking`).
    Queued on the speech queue (`settings.LEGACY_SPEECH_QUEUE`), which a worker of its own
    serves, so synthesis never holds the threads that write replies. Each audio is sent only
    while the consent `scope` holds (the speaking session checks it under a lock)."""
    reply_speak(message_id=message_id, scope=scope, feed=feed)


class SpokenConsentCheckTask(MemorialTask):
    scope = ConsentScope.VOICE

    def consent_withdrawn(self, **kwargs: Any) -> None:
        spoken_consent_check_stopped(spoken_id=kwargs["spoken_id"])


@shared_task(base=SpokenConsentCheckTask)
def voice_spoken_consent_check(*, memorial_id: str, spoken_id: str) -> str | None:
    """Check a spoken consent's words with speech-to-text (offline Whisper takes seconds:
    never in the request), bound to the `voice` consent. Safe to run twice."""
    spoken = spoken_consent_check(spoken_id=spoken_id)
    return spoken.transcript_check if spoken is not None else None


@task_revoked.connect
def _speech_expired(
    sender: Any = None, request: Any = None, expired: bool = False, **_: Any
) -> None:
    """A speaking task dropped unstarted (it waited past its expiry behind others): the
    visitor is told that reply is not spoken, as when the voice fails
    (`voice.speaking.reply_speech_missed`)."""
    if not expired or getattr(sender, "name", "") != voice_reply_speak.name:
        return
    kwargs = getattr(request, "kwargs", None) or {}
    if "message_id" in kwargs and "feed" in kwargs:
        reply_speech_missed(message_id=kwargs["message_id"], feed=kwargs["feed"])
