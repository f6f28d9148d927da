"""Notification mail, sent by tasks that retry (a transactional outbox).

`mail_send_on_commit` writes one `OutboundMail` per recipient inside the caller's transaction
(so the mail exists exactly when the change that caused it does) and, once that commits,
queues `mail_deliver` for each. Delivery retries with backoff while the mail server fails;
`mail_outbox_sweep` (Celery beat) queues again whatever is still waiting, so a mail outlives
a broker outage or spent retries. A delivered mail's row is deleted. Nothing here runs in the
request that caused the mail.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from celery import shared_task
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from core.holders import DataHolder, holder_register
from core.models import OutboundMail
from core.tasks import KernelTask, TransientError

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "[Legacy] "
SWEEP_AFTER = timedelta(minutes=10)  # a mail still waiting this long is queued again


class MailNotDelivered(TransientError):
    """The mail server did not take the mail; it stays in the outbox and is tried again."""


def mail_send_on_commit(
    *,
    to: Iterable[str],
    subject: str,
    body: str,
    memorial_id: uuid.UUID | str | None = None,
) -> list[OutboundMail]:
    """One plain-text mail per recipient (nobody sees who else was told), sent after commit
    by a task."""
    mails = [
        OutboundMail.objects.create(
            memorial_id=memorial_id, to=address, subject=SUBJECT_PREFIX + subject, body=body
        )
        for address in dict.fromkeys(to)
        if address
    ]
    ids = [mail.pk for mail in mails]
    transaction.on_commit(lambda: _queue(ids))
    return mails


def _queue(mail_ids: list[int]) -> None:
    for mail_id in mail_ids:
        try:
            mail_deliver.apply_async(kwargs={"mail_id": mail_id})
        except Exception:  # the broker is down: the sweep queues it later
            logger.exception("could not queue mail %s", mail_id)


def mail_deliver_one(*, mail_id: int) -> bool:
    """Send one waiting mail. True if it went (its row is deleted); False if it is gone
    already or another worker holds it; MailNotDelivered when the server failed (the
    attempt is recorded)."""
    with transaction.atomic():
        mail = OutboundMail.objects.select_for_update(skip_locked=True).filter(pk=mail_id).first()
        if mail is None:
            return False
        try:
            send_mail(
                subject=mail.subject, message=mail.body, from_email=None, recipient_list=[mail.to]
            )
        except (smtplib.SMTPException, OSError) as error:
            mail.attempts += 1
            mail.last_error = type(error).__name__
            mail.last_attempt_at = timezone.now()
            mail.save(update_fields=["attempts", "last_error", "last_attempt_at"])
            failure = error
        else:
            mail.delete()
            return True
    raise MailNotDelivered(f"mail {mail_id}: {type(failure).__name__}") from failure


def mail_outbox_sweep(*, now: datetime | None = None) -> int:
    """Queue again every mail that has waited longer than SWEEP_AFTER. How many."""
    cutoff = (now or timezone.now()) - SWEEP_AFTER
    ids = list(OutboundMail.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True))
    _queue(ids)
    return len(ids)


@shared_task(base=KernelTask, max_retries=10, retry_backoff=30, retry_backoff_max=3600)
def mail_deliver(*, mail_id: int) -> bool:
    """Deliver one mail; retried with backoff (30 s, 1 min, 2 min ... up to an hour)."""
    return mail_deliver_one(mail_id=mail_id)


@shared_task(base=KernelTask)
def mail_outbox_swept() -> int:
    """Every few minutes (Celery beat): nothing waits in the outbox for good."""
    return mail_outbox_sweep()


def _outbox_count(memorial_id: uuid.UUID) -> int:
    return OutboundMail.objects.filter(memorial_id=memorial_id).count()


def _outbox_erase(memorial_id: uuid.UUID) -> int:
    deleted, _ = OutboundMail.objects.filter(memorial_id=memorial_id).delete()
    return deleted


def mail_outbox_holder_register() -> None:
    holder_register(
        DataHolder(
            name="core.mail_outbox",
            label="notification mail not yet delivered",
            count=_outbox_count,
            erase=_outbox_erase,
            order=10,  # first: no mail about the memorial goes out once erasure starts
        )
    )
