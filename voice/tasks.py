from __future__ import annotations

from celery import shared_task

from core.tasks import MemorialTask
from voice.services import voice_clones_delete_for


@shared_task(base=MemorialTask, scope=None, max_retries=12)
def voice_clones_delete(*, memorial_id: str, keep: str = "") -> int:
    """Delete the memorial's remote voice clones (after `voice` consent is withdrawn; or, with
    `keep`, the older ones a new clone replaced). It only removes data, so it needs no
    consent; a provider that did not confirm a deletion raises VoiceDeletionFailed (a
    TransientError), which retries with backoff."""
    return voice_clones_delete_for(memorial_id=memorial_id, keep=keep)
