"""The firms' background work: the nightly status sweep, applying a large client import,
sending a firm's new seat count to the payment provider (retried while it cannot be reached),
and many reminders at once (`firms.reminders.reminders_start` queues them here)."""

from __future__ import annotations

from celery import shared_task

from accounts.models import User
from billing.providers import PaymentUnavailable
from core.tasks import KernelTask
from firms.imports import (
    ImportFileError,
    import_apply,
    import_file_discard,
    import_file_read,
    import_progress,
    import_progress_set,
)
from firms.models import Firm, FirmStaff
from firms.reminders import reminders_send
from firms.seats import firm_seats_push
from firms.status import client_status_sweep


@shared_task(base=KernelTask)
def firm_client_status_sweep() -> int:
    """Nightly (Celery beat): refresh every live client's status columns (a catch-all for a
    change no receiver saw). Safe to run twice."""
    return client_status_sweep()


@shared_task(base=KernelTask)
def firm_client_import(*, firm_id: str, actor_id: str | None, import_id: str) -> dict[str, int]:
    """Apply a large client import in the background, saying how far it got as it goes
    (`firms.imports.import_progress`). Safe to run twice: a second run finds every client
    already added, and changes nothing."""
    firm = Firm.objects.get(pk=firm_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    try:
        data = import_file_read(firm=firm, import_id=import_id)
    except ImportFileError:  # applied already (its file is discarded once it is)
        return (import_progress(import_id=import_id) or {}).get("result") or {}

    def progress(done: int, total: int) -> None:
        import_progress_set(import_id=import_id, done=done, total=total)

    counts = import_apply(firm=firm, actor=actor, data=data, progress=progress)
    total = counts["added"] + counts["unchanged"]
    import_progress_set(import_id=import_id, done=total, total=total, result=counts)
    import_file_discard(firm=firm, import_id=import_id)
    return counts


@shared_task(
    base=KernelTask,
    autoretry_for=(*KernelTask.autoretry_for, PaymentUnavailable),
)
def firm_seats_push_task(*, firm_id: str) -> bool:
    """Send the firm's current seat count to the provider; safe to run twice."""
    return firm_seats_push(firm_id=firm_id)


@shared_task(base=KernelTask)
def firm_reminders_send_task(*, staff_id: int, client_ids: list[str]) -> dict[str, int]:
    """Remind the clients still qualifying, as `staff_id` (nothing if that staff row is gone
    or lost the power). Safe to run twice: clients just reminded are skipped."""
    staff = FirmStaff.objects.select_related("firm", "user").filter(pk=staff_id).first()
    if staff is None:
        return {"sent": 0, "skipped": len(client_ids)}
    sent, skipped = reminders_send(staff=staff, client_ids=client_ids)
    return {"sent": sent, "skipped": skipped}
