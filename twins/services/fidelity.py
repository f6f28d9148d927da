"""Writes for the fidelity report: run a measurement, record how it ended (queuing one is
`twins.services.fidelity_requests`, which imports the task that imports this).

The measuring itself is `twins.fidelity.fidelity_measure`; it reads the subject's writing
through the gated selectors and calls the provider, outside any transaction. Its result is
stored whole, encrypted, in one consent-holding step (`core.tasks.memorial_step`)."""

from __future__ import annotations

import json
import uuid

from django.utils import timezone

from core.consent import ConsentScope
from core.crypto import memorial_cipher
from core.tasks import memorial_step
from twins.fidelity import fidelity_measure
from twins.models import FidelityReport, FidelityStatus
from twins.portrait.selectors import style_corrections

FAILED_MESSAGE = "Something went wrong on our side while measuring. Try again later."
STOPPED_MESSAGE = "Stopped because you withdrew your consent to use your writing."


def fidelity_report_run(*, report_id: uuid.UUID | str) -> FidelityReport | None:
    """Measure and store the result; safe to run twice (a finished report is left as is)."""
    report = FidelityReport.objects.select_related("twin").filter(pk=report_id).first()
    if report is None or report.is_finished:
        return report
    FidelityReport.objects.filter(pk=report.pk).update(status=FidelityStatus.RUNNING)
    memorial_id = report.twin.memorial_id
    result = fidelity_measure(
        memorial_id=memorial_id, corrections=style_corrections(twin=report.twin)
    )
    cipher = memorial_cipher(memorial_id=memorial_id)
    with memorial_step(memorial_id=memorial_id, scope=ConsentScope.CORPUS):
        locked = FidelityReport.objects.select_for_update().get(pk=report.pk)
        if locked.is_finished:
            return locked
        locked.report_encrypted = cipher.encrypt_text(json.dumps(result))
        locked.status = FidelityStatus.DONE
        locked.finished_at = timezone.now()
        locked.save(update_fields=["report_encrypted", "status", "finished_at"])
    return locked


def fidelity_report_end(*, report_id: uuid.UUID | str, status: str, reason: str) -> None:
    FidelityReport.objects.filter(
        pk=report_id, status__in=(FidelityStatus.QUEUED, FidelityStatus.RUNNING)
    ).update(status=status, failure=reason, finished_at=timezone.now())
