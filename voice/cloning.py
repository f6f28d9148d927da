"""Making the subject's voice clone: choosing the best samples, and the twin build's voice
step (registered into `twins.services.build` from `VoiceConfig.ready`).

No clone is made without both the `voice` consent and the subject's spoken consent
(`voice.selectors.spoken_consent_live`); without them the step is skipped and the build's
progress says why. The clone is made outside any transaction (uploading the samples takes a
while), then recorded in one transaction that holds the `voice` consent (and, through the
step, the corpus consent): a withdrawal that lands first means nothing is recorded and the
new remote clone is deleted again at once. A provider that is busy (VoiceProviderBusy) makes
the build try again later with backoff (`twins.tasks`); one that refuses is noted on the
progress, and the twin is built without a clone. A new clone replaces the older ones: they
are deleted at their provider once the new one is recorded."""

from __future__ import annotations

import logging
import mimetypes
import uuid

from django.db import transaction

from consent.gate import ConsentRequired, consent_hold
from consent.selectors import consent_record_live
from core.allowances import AllowanceKind, allowance_check
from core.audit import audit_record, memorial_ref
from core.consent import ConsentScope
from core.files import memorial_file_chunks
from twins.models import TwinVersion
from twins.steps import StepProgress
from voice.models import (
    SampleVerdict,
    VoiceClone,
    VoiceProviderCall,
    VoiceSample,
)
from voice.providers import (
    AudioFile,
    VoiceProviderBusy,
    VoiceProviderError,
    voice_provider,
)
from voice.selectors import samples_for_clone, spoken_consent_live
from voice.services import (
    voice_clone_delete,
    voice_clone_register,
    voice_clone_unrecorded_delete,
)
from voice.tasks import voice_clones_delete

logger = logging.getLogger(__name__)

# Instant cloning works best with one to two minutes of clean, varied speech; more than about
# three minutes does not help.
CLONE_SECONDS_TARGET = 180.0
CLONE_SECONDS_MAX = 200.0  # a last sample may take the total a little past the target

NOT_COPIED = "Your voice was not copied"
NO_PROVIDER_NOTE = f"{NOT_COPIED}: this Legacy has no voice service that can copy a voice."
NO_CONSENT_NOTE = f"{NOT_COPIED}: you have not given your consent to use your voice."
NO_SPOKEN_CONSENT_NOTE = (
    f"{NOT_COPIED}: no spoken consent yet. Read the consent statement aloud on your voice "
    "page first."
)
NO_SAMPLES_NOTE = f"{NOT_COPIED}: there is no recording of your voice good enough to use yet."
MADE_NOTE = "A copy of your voice was made from {count} of your recordings."


def _seconds(sample: VoiceSample) -> float:
    return float((sample.analysis or {}).get("duration_s") or 0.0)


def _clean_speech_seconds(sample: VoiceSample) -> float:
    """Seconds of speech in it, by the analysis (its whole length if speech was not measured)."""
    share = (sample.analysis or {}).get("speech_share")
    return _seconds(sample) * (float(share) if share is not None else 1.0)


def clone_samples_choose(*, memorial_id: uuid.UUID | str) -> list[VoiceSample]:
    """The samples to clone from: analysed, judged good or usable, not left out by the
    subject; good ones first, then those with the most clean speech; up to about three
    minutes in all."""
    ranked = sorted(
        samples_for_clone(memorial_id=memorial_id),
        key=lambda s: (
            s.verdict != SampleVerdict.GOOD,
            -_clean_speech_seconds(s),
            -float((s.analysis or {}).get("snr_db") or 0.0),
            s.created_at,
        ),
    )
    chosen: list[VoiceSample] = []
    total = 0.0
    for sample in ranked:
        if total >= CLONE_SECONDS_TARGET:
            break
        if chosen and total + _seconds(sample) > CLONE_SECONDS_MAX:
            continue  # a shorter one further down may still fit
        chosen.append(sample)
        total += _seconds(sample)
    return chosen


def _audio_file(sample: VoiceSample, number: int) -> AudioFile:
    """The sample decrypted (core.files), under a plain name that says nothing about it."""
    mime = sample.mime or "application/octet-stream"
    extension = mimetypes.guess_extension(mime.split(";")[0].strip()) or ""
    content = b"".join(memorial_file_chunks(memorial_id=sample.memorial_id, name=sample.path))
    return AudioFile(name=f"sample-{number}{extension}", content=content, mime=mime)


def _call_record(
    *, provider: str, memorial_id: uuid.UUID | str, remote_id: str, ok: bool, detail: str
) -> None:
    VoiceProviderCall.objects.create(
        provider=provider,
        action=VoiceProviderCall.Action.CREATE_VOICE,
        remote_id=remote_id,
        memorial_ref=memorial_ref(memorial_id),
        ok=ok,
        detail=detail[:500],
    )


def voice_clone_step(*, version: TwinVersion, progress: StepProgress) -> str:
    """The twin build's voice step: make a clone from the best samples when the subject has
    consented (in writing and aloud), replacing older clones. Returns a note for the build's
    progress. Raises VoiceProviderBusy to be tried again later, ConsentRequired (through the
    step) when a consent was withdrawn."""
    memorial_id = progress.memorial_id
    record = consent_record_live(memorial_id=memorial_id, scope=ConsentScope.VOICE)
    if record is None:
        return NO_CONSENT_NOTE
    if spoken_consent_live(memorial_id=memorial_id) is None:
        audit_record(action="voice.clone_skipped", memorial_id=memorial_id, data={"why": "spoken"})
        return NO_SPOKEN_CONSENT_NOTE
    plan = allowance_check(memorial_id=memorial_id, kind=AllowanceKind.VOICE_CLONE)
    if not plan.allowed:  # the plan's cloned voice (core.allowances): the samples are kept
        return f"No cloned voice: {plan.reason} The recordings are kept."
    provider = voice_provider()
    if not provider.can_clone:
        return NO_PROVIDER_NOTE
    samples = clone_samples_choose(memorial_id=memorial_id)
    if not samples:
        return NO_SAMPLES_NOTE
    progress.total(len(samples) + 1)
    files = []
    for number, sample in enumerate(samples, start=1):
        files.append(_audio_file(sample, number))
        progress.advance()
    seconds = sum(_seconds(sample) for sample in samples)
    try:
        # The provider sees a name that says nothing about the person.
        remote_id = provider.clone_create(
            name=f"Legacy {memorial_ref(memorial_id)[:12]}", samples=files
        )
    except VoiceProviderError as error:
        _call_record(
            provider=provider.name,
            memorial_id=memorial_id,
            remote_id="",
            ok=False,
            detail=str(error),
        )
        if isinstance(error, VoiceProviderBusy):
            raise  # the build tries again later, and says so on its progress
        logger.warning("voice clone refused for a memorial: %s", error)
        return f"{NOT_COPIED}: {error.notice}"
    try:
        with progress.committing():
            consent_hold(memorial_id=memorial_id, scope=ConsentScope.VOICE, record_id=record.pk)
            if spoken_consent_live(memorial_id=memorial_id) is None:
                raise ConsentRequired(ConsentScope.VOICE)
            older = list(
                VoiceClone.objects.filter(memorial_id=memorial_id, deleted_at__isnull=True)
            )
            voice_clone_register(
                memorial_id=memorial_id, provider=provider.name, remote_id=remote_id
            )
            _call_record(
                provider=provider.name,
                memorial_id=memorial_id,
                remote_id=remote_id,
                ok=True,
                detail=f"made from {len(files)} recordings, {seconds:.0f} seconds in all",
            )
    except BaseException as error:
        # Made but not recorded: it must not stay at the provider.
        voice_clone_unrecorded_delete(
            memorial_id=memorial_id, provider=provider.name, remote_id=remote_id
        )
        if isinstance(error, ConsentRequired) and error.scope == ConsentScope.VOICE:
            return f"{NOT_COPIED}: your consent to use your voice was withdrawn."
        raise
    _older_delete(older, memorial_id=memorial_id, keep=remote_id)
    return MADE_NOTE.format(count=len(files))


def _older_delete(older: list[VoiceClone], *, memorial_id: uuid.UUID, keep: str) -> None:
    """The clones a new one replaced go from their provider now; any that does not go is
    left to a task that retries (`voice.tasks.voice_clones_delete`, keeping the new one)."""
    results = [voice_clone_delete(clone=clone) for clone in older]  # every one is tried
    if all(result.ok for result in results):
        return
    with transaction.atomic():
        voice_clones_delete.enqueue(memorial_id=memorial_id, keep=keep, countdown=60)
