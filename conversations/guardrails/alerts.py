"""What the memorial's stewards are told when a visitor may need care or keeps asking the
twin for money, secrets or instructions (ARCHITECTURE.md: stewards receive safety
escalations). They are told who and when, never the visitor's words, unless the visitor
chose to share them (`steward_reach`); the words are then kept on the alert, encrypted with
the memorial's key, and shown on the stewards' panel, never put in a mail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from conversations.models import (
    AlertKind,
    Concern,
    Conversation,
    Message,
    MessageRole,
    SafetyAlert,
)
from core.crypto import memorial_cipher
from core.mail import mail_send_on_commit
from memorials.models import Membership, Memorial, Role
from memorials.notices import site_link

CRISIS_QUIET_HOURS = 6  # one crisis alert per visitor in this time: a long night is one alert
FRAUD_ATTEMPTS = 3  # refused requests within FRAUD_WINDOW_HOURS before the stewards are told
FRAUD_WINDOW_HOURS = 24
SHARED_MESSAGES = 5  # the visitor's own latest messages shared, when they choose to share
ALERTS_SHOWN = 20
ALERTS_DAYS = 60


class ReachRefused(Exception):
    """The visitor's request to reach a steward names no care reply of theirs."""


def _stewards(*, memorial_id: uuid.UUID | str, visitor_id: uuid.UUID) -> list[User]:
    memberships = (
        Membership.objects.filter(memorial_id=memorial_id, role=Role.STEWARD)
        .exclude(user_id=visitor_id)
        .select_related("user")
        .order_by("created_at")
    )
    return [membership.user for membership in memberships]


def steward_to_reach(*, memorial_id: uuid.UUID | str, visitor_id: uuid.UUID) -> str:
    """How a visitor's care reply names who can be told: one steward's first name, "the
    family's stewards", or "" when there is nobody but the visitor themselves."""
    stewards = _stewards(memorial_id=memorial_id, visitor_id=visitor_id)
    if len(stewards) == 1:
        name = stewards[0].full_name.strip()
        return name.split()[0] if name else "the family's steward"
    return "the family's stewards" if stewards else ""


def _visitor_name(user: User) -> str:
    return user.full_name.strip() or user.email


def alert_mail_stewards(*, alert: SafetyAlert, template: str, subject: str, path: str = "") -> None:
    """Mail the memorial's stewards (never the visitor themselves) about `alert`, after
    commit, without the visitor's words; `path` is the page the mail links to (the memorial
    page's safety notes by default). Records when they were told."""
    memorial = Memorial.objects.get(pk=alert.memorial_id)
    to = [user.email for user in _stewards(memorial_id=memorial.pk, visitor_id=alert.visitor_id)]
    if not to:
        return
    visitor = User.objects.get(pk=alert.visitor_id)
    context = {
        "memorial": memorial,
        "visitor": _visitor_name(visitor),
        "alert": alert,
        "link": site_link(path or memorial.get_absolute_url() + "#safety"),
        "findahelpline": "https://findahelpline.com",
    }
    mail_send_on_commit(
        to=to,
        subject=subject,
        template=f"conversations/email/{template}.txt",
        context=context,
        memorial_id=memorial.pk,
        topic=f"safety-alert:{alert.pk}",
    )
    alert.notified_at = timezone.now()
    alert.save(update_fields=["notified_at"])


def _recent(
    *, memorial_id: uuid.UUID | str, visitor_id: uuid.UUID, kind: str, hours: int
) -> SafetyAlert | None:
    since = timezone.now() - timedelta(hours=hours)
    return (
        SafetyAlert.objects.filter(
            memorial_id=memorial_id, visitor_id=visitor_id, kind=kind, created_at__gte=since
        )
        .order_by("-created_at")
        .first()
    )


def crisis_alert_raise(*, conversation: Conversation, message: Message) -> SafetyAlert | None:
    """On a crisis turn: an alert and a mail to the stewards (no words), unless this visitor
    already has one from the last CRISIS_QUIET_HOURS. Call inside the turn's transaction;
    the mail goes after it commits."""
    if _recent(
        memorial_id=conversation.memorial_id,
        visitor_id=conversation.visitor_id,
        kind=AlertKind.CRISIS,
        hours=CRISIS_QUIET_HOURS,
    ):
        return None
    alert = SafetyAlert.objects.create(
        memorial_id=conversation.memorial_id,
        visitor_id=conversation.visitor_id,
        kind=AlertKind.CRISIS,
        message=message,
    )
    alert_mail_stewards(alert=alert, template="safety_crisis", subject="Someone may need you")
    return alert


def fraud_attempt_note(*, conversation: Conversation, message: Message) -> SafetyAlert | None:
    """After a refused request (`message`, stored with its concern): an alert and a mail to
    the stewards once FRAUD_ATTEMPTS were refused within FRAUD_WINDOW_HOURS, at most one
    such alert per visitor in that time."""
    since = timezone.now() - timedelta(hours=FRAUD_WINDOW_HOURS)
    attempts = Message.objects.filter(
        conversation=conversation,
        role=MessageRole.VISITOR,
        concern=Concern.FRAUD,
        created_at__gte=since,
    ).count()
    if attempts < FRAUD_ATTEMPTS or _recent(
        memorial_id=conversation.memorial_id,
        visitor_id=conversation.visitor_id,
        kind=AlertKind.FRAUD,
        hours=FRAUD_WINDOW_HOURS,
    ):
        return None
    alert = SafetyAlert.objects.create(
        memorial_id=conversation.memorial_id,
        visitor_id=conversation.visitor_id,
        kind=AlertKind.FRAUD,
        message=message,
    )
    alert_mail_stewards(
        alert=alert,
        template="safety_fraud",
        subject="Repeated requests for money or private details",
    )
    return alert


def _words_to_share(*, conversation: Conversation, up_to_seq: int) -> str:
    cipher = memorial_cipher(memorial_id=conversation.memorial_id)
    mine = Message.objects.filter(
        conversation=conversation, role=MessageRole.VISITOR, seq__lte=up_to_seq
    ).order_by("-seq")[:SHARED_MESSAGES]
    texts = [cipher.decrypt_text(bytes(m.text_encrypted)).strip() for m in reversed(mine)]
    return "\n\n".join(text for text in texts if text)


def steward_reach(
    *, memorial_id: uuid.UUID | str, visitor: User, reply_seq: int, share: bool
) -> SafetyAlert:
    """The visitor asks, from a care reply (`reply_seq`), that the stewards be told, and with
    `share` that their latest words go with it. The crisis alert of that turn (or a new one)
    is marked unseen again, carries the words when shared, and the stewards are mailed (the
    mail never holds the words). Raises ReachRefused for a reply that is not a care reply of
    this visitor's conversation."""
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update()
            .filter(memorial_id=memorial_id, visitor=visitor)
            .first()
        )
        reply = (
            Message.objects.filter(
                conversation=conversation, seq=reply_seq, role=MessageRole.TWIN,
                concern=Concern.CRISIS,
            ).select_related("reply_to").first()
            if conversation is not None
            else None
        )  # fmt: skip
        if conversation is None or reply is None or reply.reply_to is None:
            raise ReachRefused("There is no message of yours to pass on from here.")
        alert = _recent(
            memorial_id=memorial_id, visitor_id=visitor.pk, kind=AlertKind.CRISIS,
            hours=CRISIS_QUIET_HOURS,
        ) or SafetyAlert.objects.create(
            memorial_id=memorial_id, visitor=visitor, kind=AlertKind.CRISIS,
            message=reply.reply_to,
        )  # fmt: skip
        fields = ["seen_at", "reach_requested_at"]
        alert.seen_at, alert.reach_requested_at = None, timezone.now()
        if share:
            words = _words_to_share(conversation=conversation, up_to_seq=reply.reply_to.seq)
            cipher = memorial_cipher(memorial_id=conversation.memorial_id)
            alert.content_shared = True
            alert.content_encrypted = cipher.encrypt_text(words)
            fields += ["content_shared", "content_encrypted"]
        alert.save(update_fields=fields)
        alert_mail_stewards(
            alert=alert,
            template="safety_reach",
            subject=f"{_visitor_name(visitor)} asked us to let you know",
        )
    return alert


@dataclass(frozen=True)
class AlertView:
    """A safety alert as the stewards' panel shows it."""

    id: int
    kind: str
    kind_label: str
    visitor: str
    created_at: datetime
    shared: bool
    reach_requested: bool  # the visitor asked that a steward be in touch
    words: str  # the visitor's words, only when they chose to share them
    seen: bool


def alerts_for_steward(*, membership: Membership) -> list[AlertView] | None:
    """The memorial's recent alerts for one of its stewards (None for anyone else)."""
    if membership.role != Role.STEWARD:
        return None
    since = timezone.now() - timedelta(days=ALERTS_DAYS)
    alerts = (
        SafetyAlert.objects.filter(memorial_id=membership.memorial_id, created_at__gte=since)
        .exclude(visitor_id=membership.user_id)
        .select_related("visitor")
        .order_by("-created_at")[:ALERTS_SHOWN]
    )
    cipher = memorial_cipher(memorial_id=membership.memorial_id)
    return [
        AlertView(
            id=alert.pk,
            kind=alert.kind,
            kind_label=AlertKind(alert.kind).label,
            visitor=_visitor_name(alert.visitor),
            created_at=alert.created_at,
            shared=alert.content_shared,
            reach_requested=alert.reach_requested_at is not None,
            words=(
                cipher.decrypt_text(bytes(alert.content_encrypted))
                if alert.content_shared and alert.content_encrypted
                else ""
            ),
            seen=alert.seen_at is not None,
        )
        for alert in alerts
    ]


def alert_mark_seen(*, membership: Membership, alert_id: int) -> bool:
    """A steward marks one of the memorial's alerts seen. False when it is not theirs to see."""
    if membership.role != Role.STEWARD:
        return False
    return bool(
        SafetyAlert.objects.filter(
            pk=alert_id, memorial_id=membership.memorial_id, seen_at__isnull=True
        )
        .exclude(visitor_id=membership.user_id)
        .update(seen_at=timezone.now())
    )
