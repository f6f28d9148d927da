from __future__ import annotations

from typing import Any

from celery import shared_task

from core.consent import ConsentScope
from core.tasks import MemorialTask
from voice.sample_analysis import sample_analyse, sample_failed, sample_stopped
from voice.services import voice_clones_delete_for


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
