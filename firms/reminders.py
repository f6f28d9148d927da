"""Reminders a firm sends its clients, in its own name: who qualifies (decided in one place,
`reminder_skip_reason`, from the status columns only), the plan a confirmation shows, and the
sending, inline for a few and through a Celery task for many.

A client is reminded when they joined and still have a consent to sign or no writing yet,
and not more than once in `settings.FIRM_REMINDER_INTERVAL_DAYS`, whoever sent the last one."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.consent import ConsentScope
from firms.access import ROLE_POWERS, FirmPower
from firms.mail import firm_mail_send_on_commit
from firms.models import ClientStage, FirmClient, FirmStaff
from firms.status import consents_missing
from firms.trail import firm_audit_record

# Why a selected client is not mailed, in the confirmation's words.
SKIP_DETACHED = "detached"
SKIP_NOT_JOINED = "not_joined"
SKIP_ACTIVE = "active"
SKIP_RECENT = "recent"
SKIP_NOTHING = "nothing_missing"
SKIP_LABELS: dict[str, str] = {
    SKIP_NOT_JOINED: "have not accepted the invitation yet",
    SKIP_RECENT: "were reminded in the last {days} days",
    SKIP_NOTHING: "have signed their consents and added writing",
    SKIP_ACTIVE: "have died and their memorial is active",
    SKIP_DETACHED: "have left the firm",
}

SEND_TASK = "firms.tasks.firm_reminders_send_task"

# The columns `reminder_skip_reason` reads: the plan loads only these.
REMINDER_COLUMNS = (
    "id",
    "stage",
    "consents_signed",
    "documents_count",
    "memorial_id",
    "detached_at",
    "last_reminded_at",
)


def reminder_interval() -> timedelta:
    return timedelta(days=settings.FIRM_REMINDER_INTERVAL_DAYS)


def reminder_skip_reason(*, client: FirmClient, now: datetime) -> str | None:
    """None when `client` should be reminded now; otherwise why not (a SKIP_ code). The one
    place that decides who qualifies, from the status columns only."""
    if client.detached_at is not None or client.stage == ClientStage.DETACHED:
        return SKIP_DETACHED
    if client.memorial_id is None:
        return SKIP_NOT_JOINED
    if client.stage == ClientStage.ACTIVE:
        return SKIP_ACTIVE
    if not consents_missing(signed=client.consents_signed) and client.documents_count > 0:
        return SKIP_NOTHING
    if client.last_reminded_at is not None and client.last_reminded_at > now - reminder_interval():
        return SKIP_RECENT
    return None


@dataclass
class ReminderPlan:
    """What sending would do: the clients to mail, and how many are skipped for each reason."""

    to_send: list[uuid.UUID] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def skipped_lines(self) -> list[tuple[int, str]]:
        """(count, why) for each reason with clients, in SKIP_LABELS' order."""
        days = settings.FIRM_REMINDER_INTERVAL_DAYS
        return [
            (self.skipped[code], label.format(days=days))
            for code, label in SKIP_LABELS.items()
            if self.skipped[code]
        ]


def reminders_plan(*, clients: QuerySet[FirmClient]) -> ReminderPlan:
    """Sort `clients` (already limited to one firm) into those to mail and those skipped."""
    now = timezone.now()
    plan = ReminderPlan()
    for client in clients.order_by().only(*REMINDER_COLUMNS).iterator(chunk_size=2000):
        reason = reminder_skip_reason(client=client, now=now)
        if reason is None:
            plan.to_send.append(client.id)
        else:
            plan.skipped[reason] += 1
    return plan


@dataclass(frozen=True)
class RemindersQueued:
    """What `reminders_start` did: sent now (`sent`, `skipped`), or queued (`queued`)."""

    queued: int = 0
    sent: int = 0
    skipped: int = 0


def reminders_start(*, staff: FirmStaff, client_ids: Sequence[uuid.UUID]) -> RemindersQueued:
    """Send reminders to `client_ids` (clients of `staff`'s firm): at once when they are few,
    otherwise through `firm_reminders_send_task` after commit. Each client is checked again
    when its turn comes, so a client reminded meanwhile is skipped."""
    ids = [str(client_id) for client_id in client_ids]
    if len(ids) <= settings.FIRM_REMINDERS_INLINE_MAX:
        sent, skipped = reminders_send(staff=staff, client_ids=ids)
        return RemindersQueued(sent=sent, skipped=skipped)
    kwargs = {"staff_id": staff.pk, "client_ids": ids}
    # By name: the task (firms.tasks) is the one that imports this module.
    transaction.on_commit(lambda: current_app.send_task(SEND_TASK, kwargs=kwargs))
    return RemindersQueued(queued=len(ids))


def reminders_send(*, staff: FirmStaff, client_ids: Iterable[str | uuid.UUID]) -> tuple[int, int]:
    """Remind each client of `client_ids` that still qualifies (checked again under a row
    lock), in the firm's name; audit each (`firm.client_reminded`, on the client's memorial
    log too) and the whole (`firm.reminders_sent`). Returns (sent, skipped). Staff who lost
    the power meanwhile send nothing. Safe to run twice: a client just reminded is skipped."""
    if staff.removed_at is not None or FirmPower.CLIENTS not in ROLE_POWERS[staff.role]:
        return 0, 0
    if staff.firm.closed_at is not None:
        return 0, 0
    sent = skipped = 0
    for client_id in client_ids:
        if _reminder_send_one(staff=staff, client_id=client_id):
            sent += 1
        else:
            skipped += 1
    firm_audit_record(
        firm=staff.firm,
        action="firm.reminders_sent",
        actor=staff.user,
        data={"sent": sent, "skipped": skipped},
    )
    return sent, skipped


def _reminder_send_one(*, staff: FirmStaff, client_id: str | uuid.UUID) -> bool:
    with transaction.atomic():
        client = (
            FirmClient.objects.select_for_update(of=("self",))
            .select_related("memorial")
            .filter(firm_id=staff.firm_id, pk=client_id)
            .first()
        )
        now = timezone.now()
        if client is None or reminder_skip_reason(client=client, now=now) is not None:
            return False
        missing = consents_missing(signed=client.consents_signed)
        firm_mail_send_on_commit(
            firm=staff.firm,
            to=[client.email],
            subject=f"A note from {staff.firm.name}",
            template="firms/email/client_reminder.txt",
            context={
                "client_name": client.name,
                "consents_missing": [ConsentScope(scope).label for scope in missing],
                "no_writing": client.documents_count == 0,
                "link": settings.SITE_URL + client.memorial.get_absolute_url()
                if client.memorial
                else settings.SITE_URL,
                "sender": str(staff.user),
            },
            memorial_id=client.memorial_id,
            topic="firm.client_reminder",
        )
        client.last_reminded_at = now
        client.save(update_fields=["last_reminded_at"])
        firm_audit_record(
            firm=staff.firm,
            action="firm.client_reminded",
            actor=staff.user,
            client=client,
            data={"consents_missing": len(missing), "no_writing": client.documents_count == 0},
        )
    return True
