"""Writes for voice clones: registering one (needs consent `voice`) and deleting them."""

from __future__ import annotations

import uuid

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


def _provider_delete(clone: VoiceClone) -> VoiceProviderResult:
    try:
        return voice_provider(clone.provider).delete_voice(clone.remote_id)
    except VoiceProviderUnavailable as error:
        return VoiceProviderResult(ok=False, detail=str(error))
    except Exception as error:  # the provider's SDK or network failed: recorded, retried
        return VoiceProviderResult(ok=False, detail=f"{type(error).__name__}: {error}")


def voice_clone_delete(*, clone: VoiceClone) -> VoiceProviderResult:
    """Ask the clone's provider to delete it, record the call, and mark it deleted if it is."""
    result = _provider_delete(clone)
    with transaction.atomic():
        VoiceProviderCall.objects.create(
            provider=clone.provider,
            action=VoiceProviderCall.Action.DELETE_VOICE,
            remote_id=clone.remote_id,
            memorial_ref=memorial_ref(clone.memorial_id),
            ok=result.ok,
            detail=result.detail[:500],
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


def voice_clones_delete_for(*, memorial_id: uuid.UUID | str) -> int:
    """Delete every live clone of the memorial at its provider. Safe to run twice.

    Returns how many were deleted; raises VoiceDeletionFailed if any was not (after trying
    all of them), so a task retries the rest."""
    deleted, failed = 0, []
    clones = VoiceClone.objects.filter(memorial_id=memorial_id, deleted_at__isnull=True)
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


def voice_clones_erase(memorial_id: uuid.UUID) -> int:
    """Delete each clone at its provider, then the rows of those the provider confirmed.

    A clone whose remote deletion failed keeps its row (a row must never vanish while its
    remote copy may remain), so the certificate shows the erasure incomplete. Nothing is
    raised: that would roll back the record of the deletions that did happen."""
    providers: set[str] = set()
    deleted = failed = 0
    for clone in VoiceClone.objects.filter(memorial_id=memorial_id, deleted_at__isnull=True):
        providers.add(clone.provider)
        if voice_clone_delete(clone=clone).ok:
            deleted += 1
        else:
            failed += 1
    count, _ = VoiceClone.objects.filter(memorial_id=memorial_id, deleted_at__isnull=False).delete()
    return ErasedCount(
        count, remote={"providers": sorted(providers), "deleted": deleted, "failed": failed}
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
