"""The conversation's side of the plan's allowances (`core.allowances`, decided by billing).

A reply spends one message of the memorial's monthly allowance: the subject's own
conversations spend preview messages, everyone else's family messages. Before a reply is
written its allowance is asked once, counting the replies queued ahead of it (still being
written, so not yet counted in `UsageMonth`): however many conversations run at once, no
more replies are written than the allowance has left. A reply refused is stored with the
plan's kind explanation as its text (the visitor's message is kept), and the twin pauses
for that allowance until the next period or a larger plan. After the reply that uses the
last of it, a notice at the end of that reply says so (never a reply cut mid-sentence)."""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from conversations.models import Message, MessageRole, MessageStatus
from conversations.services.usage import usage_add
from core.allowances import Allowance, AllowanceKind, allowance_check, allowance_spent
from core.queries import PROBE_MOMENT, compiled_row

LAST_MESSAGE_NOTICE = (
    "That was the last message of this month's allowance. The conversation pauses here "
    "and starts again next month, or at once with a larger plan. Nothing is lost."
)


def reply_allowance_kind(*, reply: Message) -> str:
    if reply.conversation.visitor_id == reply.conversation.memorial.subject_id:
        return AllowanceKind.PREVIEW_MESSAGES
    return AllowanceKind.FAMILY_MESSAGES


def reply_allowance(*, reply: Message, kind: str) -> Allowance:
    """May `reply` be written: one more message of `kind`, after the replies of the same
    kind queued before it in this memorial this month. Both counts (queued ahead, counted)
    are read in one snapshot, so a reply ending meanwhile is counted once, never twice or
    not at all: whatever runs at once, no more replies are written than the quota."""
    if connection.in_atomic_block:  # a caller's transaction: read in it
        return _reply_allowance(reply=reply, kind=kind)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _reply_allowance(reply=reply, kind=kind)


def _queued(
    memorial_id: uuid.UUID, role: str, status: str, reply_id: int, start: datetime, end: datetime
) -> QuerySet[Message]:
    """The memorial's messages of `role` and `status` (the caller's: a reply still being
    written; arguments, not constants, so the compiled SQL takes them as its parameters),
    made before reply `reply_id`, from `start` to `end` (its month)."""
    return (
        Message.objects.filter(conversation__memorial_id=memorial_id)
        .filter(role=role)
        .filter(status=status)
        .filter(pk__lt=reply_id)
        .filter(created_at__gte=start)
        .filter(created_at__lt=end)
    )


def _counted(queued: QuerySet[Message]) -> QuerySet[Any]:
    # one group: the memorial's replies (none: no row comes back)
    return queued.values("conversation__memorial_id").annotate(n=Count("pk")).values_list("n")


_SUBJECT = F("conversation__memorial__subject_id")


def _preview_queued(*args: Any) -> QuerySet[Any]:
    return _counted(_queued(*args).filter(conversation__visitor_id=_SUBJECT))


def _family_queued(*args: Any) -> QuerySet[Any]:
    return _counted(_queued(*args).exclude(conversation__visitor_id=_SUBJECT))


_PROBES = (uuid.UUID(int=0), "probe-role", "probe-status", 987_654_321, PROBE_MOMENT, PROBE_MOMENT)


def _reply_allowance(*, reply: Message, kind: str) -> Allowance:
    # compiled once (`core.queries`): asked before every reply
    start = timezone.localtime(reply.created_at).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    end = (start + timedelta(days=32)).replace(day=1)
    queued = _preview_queued if kind == AllowanceKind.PREVIEW_MESSAGES else _family_queued
    memorial_id = reply.conversation.memorial_id
    row = compiled_row(
        queued,
        _PROBES,
        [memorial_id, MessageRole.TWIN, MessageStatus.STREAMING, reply.pk, start, end],
    )
    ahead = row[0] if row is not None else 0
    return allowance_check(memorial_id=memorial_id, kind=kind, amount=1 + ahead)


def reply_allowance_spent(*, reply: Message, kind: str) -> str:
    """After the reply was counted: the notice for its end when it used the last of the
    allowance (else "")."""
    allowance = allowance_spent(memorial_id=reply.conversation.memorial_id, kind=kind)
    if allowance.quota is not None and allowance.left == 0:
        return LAST_MESSAGE_NOTICE
    return ""


def reply_spoken_count(
    *, memorial_id: uuid.UUID | str, visitor_id: uuid.UUID, seconds: float
) -> None:
    """Count a reply's stored audio in its visitor's month (spoken minutes), and let the
    rules tell the payer when the allowance is nearly or all used. Called by the speech
    worker once the reply's audio is stored."""
    usage_add(memorial_id=memorial_id, visitor_id=visitor_id, spoken_seconds=math.ceil(seconds))
    allowance_spent(memorial_id=memorial_id, kind=AllowanceKind.VOICE_MINUTES)
