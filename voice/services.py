"""Writes for voice clones: registering one (needs consent `voice`) and deleting them."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from consent.gate import consent_require
from core.audit import audit_record, memorial_ref
from core.consent import ConsentScope
from core.holders import ErasedCount, ExportWriter
from core.tasks import TransientError
from voice.models import VoiceClone, VoiceProviderCall
from voice.providers import VoiceProviderResult, VoiceProviderUnavailable, voice_provider


class VoiceDeletionFailed(TransientError):
    """A provider did not confirm a clone's deletion; the clone stays listed, to retry."""


def voice_clone_register(
    *, memorial_id: uuid.UUID | str, provider: str, remote_id: str
) -> VoiceClone:
    """Record a clone a provider has made of the subject's voice. Needs consent `voice`."""
    with transaction.atomic():
        consent_require(memorial_id=memorial_id, scope=ConsentScope.VOICE)
        clone = VoiceClone.objects.create(
            memorial_id=memorial_id, provider=provider, remote_id=remote_id
        )
        audit_record(
            action="voice.clone_created",
            memorial_id=memorial_id,
            data={"provider": provider, "clone": clone.id},
        )
    return clone


def _provider_delete(*, provider: str, remote_id: str) -> VoiceProviderResult:
    try:
        return voice_provider(provider).delete_voice(remote_id)
    except VoiceProviderUnavailable as error:
        return VoiceProviderResult(ok=False, detail=str(error))
    except Exception as error:  # the provider's SDK or network failed: recorded, retried
        return VoiceProviderResult(ok=False, detail=f"{type(error).__name__}: {error}")


def _delete_call_record(
    *, memorial_id: uuid.UUID | str, provider: str, remote_id: str, result: VoiceProviderResult
) -> None:
    VoiceProviderCall.objects.create(
        provider=provider,
        action=VoiceProviderCall.Action.DELETE_VOICE,
        remote_id=remote_id,
        memorial_ref=memorial_ref(memorial_id),
        ok=result.ok,
        detail=result.detail[:500],
    )


def voice_clone_delete(*, clone: VoiceClone) -> VoiceProviderResult:
    """Ask the clone's provider to delete it, record the call (with the provider's answer),
    and mark it deleted if it is."""
    result = _provider_delete(provider=clone.provider, remote_id=clone.remote_id)
    with transaction.atomic():
        _delete_call_record(
            memorial_id=clone.memorial_id,
            provider=clone.provider,
            remote_id=clone.remote_id,
            result=result,
        )
        if result.ok:
            clone.deleted_at = timezone.now()
            clone.save(update_fields=["deleted_at"])
        audit_record(
            action="voice.clone_deleted" if result.ok else "voice.clone_delete_failed",
            memorial_id=clone.memorial_id,
            data={"provider": clone.provider, "clone": clone.id},
        )
    return result


def voice_clone_unrecorded_delete(
    *, memorial_id: uuid.UUID | str, provider: str, remote_id: str
) -> VoiceProviderResult:
    """Delete a clone a provider made that was never recorded as a VoiceClone (its recording
    was refused: consent withdrawn meanwhile, or another delivery of the build won). The
    call is recorded all the same."""
    result = _provider_delete(provider=provider, remote_id=remote_id)
    with transaction.atomic():
        _delete_call_record(
            memorial_id=memorial_id, provider=provider, remote_id=remote_id, result=result
        )
        audit_record(
            action="voice.clone_deleted" if result.ok else "voice.clone_delete_failed",
            memorial_id=memorial_id,
            data={"provider": provider, "unrecorded": True},
        )
    return result


def voice_clones_delete_for(*, memorial_id: uuid.UUID | str, keep: str = "") -> int:
    """Delete every live clone of the memorial at its provider (but the one whose remote id
    is `keep`, if given: a newer clone that replaces them). Safe to run twice.

    Returns how many were deleted; raises VoiceDeletionFailed if any was not (after trying
    all of them), so a task retries the rest."""
    deleted, failed = 0, []
    clones = VoiceClone.objects.filter(memorial_id=memorial_id, deleted_at__isnull=True)
    if keep:
        clones = clones.exclude(remote_id=keep)
    for clone in clones:
        result = voice_clone_delete(clone=clone)
        if result.ok:
            deleted += 1
        else:
            failed.append(f"{clone.provider}:{clone.remote_id}: {result.detail}")
    if failed:
        raise VoiceDeletionFailed("; ".join(failed))
    return deleted


# --- the DataHolder for erasure and export (registered in VoiceConfig.ready) -------------


def voice_clones_count(memorial_id: uuid.UUID) -> int:
    return VoiceClone.objects.filter(memorial_id=memorial_id).count()


def voice_clones_erase(memorial_id: uuid.UUID) -> ErasedCount:
    """Delete each clone at its provider, then the rows of those the provider confirmed.

    A clone whose remote deletion failed keeps its row (a row must never vanish while its
    remote copy may remain), so the certificate shows the erasure incomplete. Nothing is
    raised: that would roll back the record of the deletions that did happen."""
    providers: set[str] = set()
    answers: list[dict[str, Any]] = []
    deleted = failed = 0
    for clone in VoiceClone.objects.filter(memorial_id=memorial_id, deleted_at__isnull=True):
        providers.add(clone.provider)
        result = voice_clone_delete(clone=clone)
        # The provider's own answer, for the certificate: its name, the voice's id there (no
        # content), whether it confirmed, and what it said.
        answers.append(
            {
                "provider": clone.provider,
                "remote_id": clone.remote_id,
                "ok": result.ok,
                "answer": result.detail[:200],
            }
        )
        if result.ok:
            deleted += 1
        else:
            failed += 1
    count, _ = VoiceClone.objects.filter(memorial_id=memorial_id, deleted_at__isnull=False).delete()
    return ErasedCount(
        count,
        remote={
            "providers": sorted(providers),
            "deleted": deleted,
            "failed": failed,
            "answers": answers,
        },
    )


def voice_clones_export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    clones = VoiceClone.objects.filter(memorial_id=memorial_id).order_by("created_at")
    writer.write_json(
        "voice/clones.json",
        [
            {
                "provider": clone.provider,
                "remote_id": clone.remote_id,
                "created_at": clone.created_at,
                "deleted_at": clone.deleted_at,
            }
            for clone in clones
        ],
    )
