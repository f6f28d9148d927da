"""The subject asks for the fidelity report to be measured (again)."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from core.audit import audit_record
from twins.models import FidelityReport, FidelityStatus, Twin
from twins.tasks import twin_fidelity_measure


class FidelityAlreadyRunning(Exception):
    """Said to the subject: one measurement at a time."""


def fidelity_report_start(*, twin: Twin, actor: User) -> FidelityReport:
    """Queue a new measurement of the twin (consent `corpus` needed: it reads the writing;
    ConsentRequired otherwise). Refused while another is queued or running."""
    with transaction.atomic():
        Twin.objects.select_for_update().filter(pk=twin.pk).first()
        if twin.fidelity_reports.filter(
            status__in=(FidelityStatus.QUEUED, FidelityStatus.RUNNING)
        ).exists():
            raise FidelityAlreadyRunning("A measurement is already under way.")
        report = FidelityReport.objects.create(twin=twin)
        twin_fidelity_measure.enqueue(memorial_id=twin.memorial_id, report_id=str(report.id))
        audit_record(
            action="twins.fidelity_requested", memorial_id=twin.memorial_id, actor=actor, data={}
        )
    return report
