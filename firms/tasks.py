"""The firms' background work: many reminders at once (`firms.reminders.reminders_start`
queues them here). Not about one memorial when queued, so on `KernelTask`'s retries."""

from __future__ import annotations

from celery import shared_task

from core.tasks import KernelTask
from firms.models import FirmStaff
from firms.reminders import reminders_send


@shared_task(base=KernelTask)
def firm_reminders_send_task(*, staff_id: int, client_ids: list[str]) -> dict[str, int]:
    """Remind the clients still qualifying, as `staff_id` (nothing if that staff row is gone
    or lost the power). Safe to run twice: clients just reminded are skipped."""
    staff = FirmStaff.objects.select_related("firm", "user").filter(pk=staff_id).first()
    if staff is None:
        return {"sent": 0, "skipped": len(client_ids)}
    sent, skipped = reminders_send(staff=staff, client_ids=client_ids)
    return {"sent": sent, "skipped": skipped}
