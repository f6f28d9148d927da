from __future__ import annotations

from celery import shared_task

from voice.services import VoiceDeletionFailed, voice_clones_delete_for


@shared_task(
    acks_late=True,
    autoretry_for=(VoiceDeletionFailed,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=12,
)
def voice_clones_delete(memorial_id: str) -> int:
    """Delete the memorial's remote voice clones (after `voice` consent is withdrawn)."""
    return voice_clones_delete_for(memorial_id=memorial_id)
