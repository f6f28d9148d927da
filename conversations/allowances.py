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

from django.db import connection, transaction
from django.db.models import F

from conversations.models import Message, MessageRole, MessageStatus
from conversations.services.usage import usage_add
from core.allowances import Allowance, AllowanceKind, allowance_check, allowance_spent

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


def _reply_allowance(*, reply: Message, kind: str) -> Allowance:
    mine = Message.objects.filter(
        conversation__memorial_id=reply.conversation.memorial_id,
        role=MessageRole.TWIN,
        status=MessageStatus.STREAMING,
        pk__lt=reply.pk,
        created_at__year=reply.created_at.year,
        created_at__month=reply.created_at.month,
    )
    subject = F("conversation__memorial__subject_id")
    ahead = (
        mine.filter(conversation__visitor_id=subject)
        if kind == AllowanceKind.PREVIEW_MESSAGES
        else mine.exclude(conversation__visitor_id=subject)
    ).count()
    return allowance_check(memorial_id=reply.conversation.memorial_id, kind=kind, amount=1 + ahead)


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
