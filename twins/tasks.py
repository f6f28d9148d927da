"""The twin's build, on the kernel's consent-bound task base (`core.tasks`). The sweeps that
queue builds (resuming dead ones, the nightly rebuild) are in `twins.sweeps`."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from core.consent import ConsentScope
from core.tasks import MemorialTask, TransientError
from twins.models import FidelityStatus
from twins.services import build, fidelity


class TwinBuildTask(MemorialTask):
    scope = ConsentScope.CORPUS
    max_retries = 6  # about two minutes of backoff before a provider's trouble is reported

    def consent_withdrawn(self, **kwargs: Any) -> None:
        build.twin_build_stopped(version_id=kwargs["version_id"])

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        # Retries ran out, or a fault of ours: the build says so, and "Try again" resumes it.
        if isinstance(exc, TransientError):
            said = getattr(exc, "reason", "") or str(exc) or "A service we rely on did not answer."
            reason = f"{said} We tried several times. Nothing was lost: try again later."
        else:
            reason = build.FAILED_MESSAGE
        build.twin_build_failed(version_id=kwargs["version_id"], reason=reason)


@shared_task(base=TwinBuildTask, bind=True)
def twin_build(self: TwinBuildTask, *, memorial_id: str, version_id: str) -> None:
    """Build one version of the memorial's twin, resuming at its first unfinished step."""
    try:
        build.twin_build_run(version_id=version_id)
    except TransientError as error:
        if self.request.retries < self.max_retries:
            notice = getattr(error, "reason", "") or "A service we rely on is not answering."
            build.twin_build_waiting(
                version_id=version_id, notice=f"{notice} Trying again in a moment."
            )
        raise


class FidelityMeasureTask(MemorialTask):
    scope = ConsentScope.CORPUS
    max_retries = 3

    def consent_withdrawn(self, **kwargs: Any) -> None:
        fidelity.fidelity_report_end(
            report_id=kwargs["report_id"],
            status=FidelityStatus.STOPPED,
            reason=fidelity.STOPPED_MESSAGE,
        )

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        fidelity.fidelity_report_end(
            report_id=kwargs["report_id"],
            status=FidelityStatus.FAILED,
            reason=fidelity.FAILED_MESSAGE,
        )


@shared_task(base=FidelityMeasureTask)
def twin_fidelity_measure(*, memorial_id: str, report_id: str) -> None:
    """Measure the twin's fidelity (twins.fidelity) and store the report; safe to run twice."""
    fidelity.fidelity_report_run(report_id=report_id)
