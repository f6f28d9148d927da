"""Notification mail, sent by tasks that retry (a transactional outbox).

`mail_send_on_commit` writes one `OutboundMail` per recipient inside the caller's transaction
(so the mail exists exactly when the change that caused it does) and, once that commits, queues
`mail_deliver` for each. Every mail is written once, as a plain-text template, and goes out in
plain text and HTML through one base (`templates/core/email/base.txt` and `.html`, with the
house colours from `static/css/mail.css` inlined into the elements): greeted by the recipient's
name when they have an account, signed with the site's name and address (allauth's mail shares
the base: accounts.adapter). Its subject is made one clean line first, whatever names went into
it. Delivery retries with backoff while the mail server fails; `mail_outbox_sweep` (Celery
beat) queues again whatever is still waiting, so a mail outlives a broker outage or spent
retries. A delivered mail's row is deleted. A mail that can never go as it is (a header Django
refuses, an address the server refuses for good) is marked failed and left alone: no retry, no
sweep. `mail_deliveries` tells pages, by topic, whether a mail was sent, is waiting or could
not be sent. Nothing here runs in the request that caused the mail.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import smtplib
import uuid
import zoneinfo
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from enum import StrEnum
from pathlib import Path
from typing import Any

import css_inline
from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.crypto import KeyDestroyed, memorial_cipher
from core.holders import DataHolder, holder_register
from core.models import OutboundMail
from core.names import header_text
from core.tasks import KernelTask, TransientError

logger = logging.getLogger(__name__)

SWEEP_AFTER = timedelta(minutes=10)  # a mail still waiting this long is queued again


SUBJECT_MAX_LENGTH = 255


class MailNotDelivered(TransientError):
    """The mail server did not take the mail; it stays in the outbox and is tried again."""


class MailDelivery(StrEnum):
    SENT = "sent"  # the mail server took it (its row is gone)
    WAITING = "waiting"  # not yet: queued, or the server failed and it is tried again
    FAILED = "failed"  # it can never go as it is; nobody will try again


@dataclass(frozen=True)
class MailDeliveryState:
    delivery: MailDelivery
    attempts: int = 0


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    body: str
    html: str = ""  # mail written before there was an HTML part has none
    from_name: str = ""  # the sender's display name, when not the site's (a firm's)


@dataclass(frozen=True)
class MailBrand:
    """Who else a mail comes from, shown beside the site's name (an estate-planning firm
    for its clients): its name, colour (#rrggbb), an absolute logo address, and the display
    name mail is sent under. The kernel only draws it; the firm decides it."""

    name: str
    colour: str = ""
    logo_url: str = ""
    sender_name: str = ""


def subject_prefix() -> str:
    return f"[{settings.LEGACY_SITE_NAME}] "


def _mail_css() -> str:
    path = finders.find("css/mail.css")
    return Path(str(path)).read_text() if path else ""


@dataclass(frozen=True)
class MailRecipient:
    """Who a mail is for, as far as their account says: the name to greet them by ("" without
    an account or a name) and the time zone every time in the mail is written in (the site's
    when theirs is not known)."""

    name: str
    zone: zoneinfo.ZoneInfo


def _recipient(address: str) -> MailRecipient:
    user = (
        get_user_model()
        .objects.filter(email__iexact=address)
        .only("full_name", "time_zone")
        .first()
    )
    zone = timezone.get_default_timezone()
    if user is not None and user.time_zone:
        with contextlib.suppress(ValueError, zoneinfo.ZoneInfoNotFoundError):
            zone = zoneinfo.ZoneInfo(user.time_zone)
    return MailRecipient(name=str(getattr(user, "full_name", "") or ""), zone=zone)


def mail_render(
    *,
    template: str = "",
    context: dict[str, Any] | None = None,
    body: str = "",
    subject: str,
    person_name: str = "",
    brand: MailBrand | None = None,
) -> tuple[str, str]:
    """What the mail `template` (a plain-text template, "memorials/email/invitation.txt")
    says, or `body` (a few plain sentences written by the caller), in plain text and in
    HTML, inside the shared base: greeted by `person_name` (or a plain "Hello,"), signed
    with the site's name, its address below; a `brand` is named beside the site's."""
    content = (
        render_to_string(template, {**(context or {}), "site_name": settings.LEGACY_SITE_NAME})
        if template
        else body
    ).strip()
    frame = {
        "content": content,
        "subject": subject,
        "person_name": person_name,
        "site_name": settings.LEGACY_SITE_NAME,
        "site_url": settings.SITE_URL.rstrip("/"),
        "brand": brand,
    }
    text = render_to_string("core/email/base.txt", frame).strip() + "\n"
    html = render_to_string("core/email/base.html", frame)
    return text, mail_style(html, brand_colour=brand.colour if brand is not None else "")


_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def mail_style(html: str, *, brand_colour: str = "") -> str:
    """`html` with the house style (static/css/mail.css) written into each element's style
    attribute, where every mail reader keeps it; a brand's colour (#rrggbb, anything else is
    ignored) marks the brand's line."""
    css = _mail_css()
    if _HEX_COLOUR.fullmatch(brand_colour):
        css += f"\n.mail-brand {{ border-left-color: {brand_colour}; }}\n"
    inliner = css_inline.CSSInliner(
        keep_style_tags=False, load_remote_stylesheets=False, extra_css=css
    )
    return inliner.inline(html)


def mail_message(mail: OutboundMail) -> MailMessage:
    """What a waiting mail says (KeyDestroyed once its memorial is erased)."""
    cipher = memorial_cipher(memorial_id=mail.memorial_id)
    return MailMessage(**json.loads(cipher.decrypt_text(bytes(mail.message_encrypted))))


def mail_send_on_commit(
    *,
    to: Iterable[str],
    subject: str,
    template: str = "",
    context: dict[str, Any] | None = None,
    body: str = "",
    memorial_id: uuid.UUID | str,
    topic: str = "",
    brand: MailBrand | None = None,
) -> list[OutboundMail]:
    """One mail per recipient (nobody sees who else was told), in plain text and HTML
    (`mail_render`, greeting each by their name), sent after commit by a task. The subject
    becomes one line (line breaks and other control characters as spaces) cut to fit, so
    names in it can never break the header. `topic` names what the mail is about, for
    `mail_deliveries`. A `brand` is drawn beside the site's name and, when it has a sender
    name, sends the mail under that display name (the address stays the site's)."""
    prefix = subject_prefix()
    line = prefix + header_text(subject, max_length=SUBJECT_MAX_LENGTH - len(prefix))
    cipher = memorial_cipher(memorial_id=uuid.UUID(str(memorial_id)))
    addresses = [address for address in dict.fromkeys(to) if address]
    mails = []
    for address in addresses:
        recipient = _recipient(address)
        # the recipient's time zone, not the one of whoever caused the mail
        with timezone.override(recipient.zone):
            text, html = mail_render(
                template=template,
                context=context,
                body=body,
                subject=line,
                person_name=recipient.name,
                brand=brand,
            )
        message = {"to": address, "subject": line, "body": text, "html": html}
        if brand is not None and brand.sender_name:
            message["from_name"] = brand.sender_name
        mails.append(
            OutboundMail.objects.create(
                memorial_id=memorial_id,
                topic=topic,
                message_encrypted=cipher.encrypt_text(json.dumps(message)),
            )
        )
    ids = [mail.pk for mail in mails]
    transaction.on_commit(lambda: _queue(ids))
    return mails


def _queue(mail_ids: list[int]) -> None:
    for mail_id in mail_ids:
        try:
            mail_deliver.apply_async(kwargs={"mail_id": mail_id})
        except Exception:  # the broker is down: the sweep queues it later
            logger.exception("could not queue mail %s", mail_id)


def _refused_for_good(error: Exception) -> bool:
    """Trying again cannot help: Django refuses the message as it is (BadHeaderError and
    other ValueErrors: a line break in a header, an address it cannot encode), or the
    server refused the address with a permanent (5xx) reply."""
    if isinstance(error, ValueError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return False


def _from_address(display_name: str) -> str:
    """DEFAULT_FROM_EMAIL, under `display_name` when one is given (the address stays ours)."""
    if not display_name:
        return settings.DEFAULT_FROM_EMAIL
    _, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((header_text(display_name, max_length=120), address))


def mail_deliver_one(*, mail_id: int) -> bool:
    """Send one waiting mail. True if it went (its row is deleted); False if it is gone
    already, another worker holds it, or it can never go (it is then marked failed, for
    good); MailNotDelivered when the server failed for now (the attempt is recorded)."""
    with transaction.atomic():
        mail = (
            OutboundMail.objects.select_for_update(skip_locked=True)
            .filter(pk=mail_id, failed_at__isnull=True)
            .first()
        )
        if mail is None:
            return False
        try:
            message = mail_message(mail)
        except KeyDestroyed:  # its memorial was erased: nothing of it goes out any more
            mail.delete()
            return False
        try:
            email = EmailMultiAlternatives(
                subject=message.subject,
                body=message.body,
                to=[message.to],
                from_email=_from_address(message.from_name),
            )
            if message.html:
                email.attach_alternative(message.html, "text/html")
            email.send()
        except (smtplib.SMTPException, OSError, ValueError) as error:
            mail.attempts += 1
            mail.last_error = type(error).__name__
            mail.last_attempt_at = timezone.now()
            fields = ["attempts", "last_error", "last_attempt_at"]
            if _refused_for_good(error):
                mail.failed_at = mail.last_attempt_at
                mail.save(update_fields=[*fields, "failed_at"])
                logger.warning("mail %s can never be sent: %s", mail_id, mail.last_error)
                return False
            mail.save(update_fields=fields)
            failure = error
        else:
            mail.delete()
            return True
    raise MailNotDelivered(f"mail {mail_id}: {type(failure).__name__}") from failure


def mail_outbox_sweep(*, now: datetime | None = None) -> int:
    """Queue again every mail that has waited longer than SWEEP_AFTER (not those that
    failed for good). How many."""
    cutoff = (now or timezone.now()) - SWEEP_AFTER
    waiting = OutboundMail.objects.filter(created_at__lt=cutoff, failed_at__isnull=True)
    ids = list(waiting.values_list("pk", flat=True))
    _queue(ids)
    return len(ids)


def mail_deliveries(*, topics: Collection[str]) -> dict[str, MailDeliveryState]:
    """How the mail about each topic is doing: FAILED if one of them can never go, WAITING
    if one is still in the outbox, else SENT (delivered mail leaves no row; so is a topic
    that never had mail). One query."""
    states = {topic: MailDeliveryState(MailDelivery.SENT) for topic in topics}
    rows = OutboundMail.objects.filter(topic__in=list(states)).values_list(
        "topic", "failed_at", "attempts"
    )
    for topic, failed_at, attempts in rows:
        if states[topic].delivery == MailDelivery.FAILED:
            continue
        delivery = MailDelivery.FAILED if failed_at else MailDelivery.WAITING
        attempts = max(attempts, states[topic].attempts)
        states[topic] = MailDeliveryState(delivery, attempts)
    return states


def mail_outbox_discard(*, topic: str) -> int:
    """Drop every mail about `topic` not yet delivered (what it says is out of date: a
    replaced invitation link). How many."""
    deleted, _ = OutboundMail.objects.filter(topic=topic).delete()
    return deleted


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
