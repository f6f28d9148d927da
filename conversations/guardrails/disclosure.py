"""Telling the visitor, plainly and again, that they talk with an AI and not the person.

The conversation page always shows `disclosure_line`. On top of it the socket sends a
notice (`{"type": "notice", "kind": "disclosure", "text": ...}`) at the start of each
session and again after every three hours of use, and `Conversation.disclosed_at` records
when it was last given.

What counts (decided here, tested in tests/conversations/guardrails/test_disclosure*.py):
- activity is the conversation's messages (a visitor's message, a reply being written) and
  the notice itself;
- a session starts when the visitor comes (a socket's resume, or a message sent on a socket
  left open) after more than `SESSION_GAP` without activity, or was never told;
- three hours of use: while the conversation stays active (no gap longer than
  `SESSION_GAP`), the notice comes again `REPEAT_AFTER` from the last one;
- a reconnect within a session (a phone waking, a second device) gets no new notice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from conversations.models import Conversation
from memorials.models import Memorial

SESSION_GAP = timedelta(minutes=30)
REPEAT_AFTER = timedelta(hours=3)


def disclosure_line(*, name: str, preview: bool = False) -> str:
    """The permanent line of the conversation page."""
    if preview:
        return "You are talking with an AI made from your own words. It is not you."
    return f"You are talking with an AI made from {name}'s own words. It is not {name}."


def disclosure_notice_text(*, name: str, preview: bool = False) -> str:
    """The notice at a session's start and every three hours of use."""
    if preview:
        return (
            "A reminder: this is an AI made from your own words. It is not you, and it can "
            "be wrong."
        )
    return (
        f"A reminder: you are talking with an AI made from {name}'s own words. It is not "
        f"{name}, and it can be wrong."
    )


def disclosure_due(
    *, disclosed_at: datetime | None, active_at: datetime | None, now: datetime
) -> bool:
    """Whether the notice is due `now`, given when it was last given and the conversation's
    last activity (module docstring)."""
    if disclosed_at is None:
        return True
    last = max(disclosed_at, active_at) if active_at is not None else disclosed_at
    return now - last > SESSION_GAP or now - disclosed_at >= REPEAT_AFTER


def disclosure_may_be_due(
    *, disclosed_at: datetime | None, seen_at: datetime, now: datetime
) -> bool:
    """A cheap first look for a socket that holds when it last gave or checked the notice
    (`disclosed_at`) and when its visitor last spoke (`seen_at`): False means not due, so
    the database need not be asked; True means ask `disclosure_claim`."""
    return disclosed_at is None or now - disclosed_at >= REPEAT_AFTER or now - seen_at > SESSION_GAP


@dataclass(frozen=True)
class Disclosure:
    text: str  # the notice to send now ("" when none is due)
    disclosed_at: datetime | None  # when it was last given (now, when it is given now)


def disclosure_claim(
    *, memorial_id: uuid.UUID | str, visitor: User, now: datetime | None = None
) -> Disclosure:
    """Give the disclosure notice to `visitor` if it is due: record it on their conversation
    (made now if they have none yet) and return its text. With the conversation locked, so
    two devices starting a session at once give it once."""
    now = now or timezone.now()
    with transaction.atomic():
        conversation, _ = Conversation.objects.get_or_create(
            memorial_id=memorial_id, visitor=visitor
        )
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        active_at = conversation.messages.aggregate(last=Max("updated_at"))["last"]
        if not disclosure_due(disclosed_at=conversation.disclosed_at, active_at=active_at, now=now):
            return Disclosure(text="", disclosed_at=conversation.disclosed_at)
        Conversation.objects.filter(pk=conversation.pk).update(disclosed_at=now)
    memorial = Memorial.objects.only("id", "name_encrypted", "state", "subject_id").get(
        pk=memorial_id
    )
    text = disclosure_notice_text(name=memorial.name, preview=memorial.subject_id == visitor.pk)
    return Disclosure(text=text, disclosed_at=now)
