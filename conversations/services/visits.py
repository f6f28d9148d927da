"""Each conversation opened and closed, in the memorial's audit log: who, when, and how
much (messages sent, minutes), never a word of what was said."""

from __future__ import annotations

import uuid

from accounts.models import User
from core.audit import audit_record


def conversation_opened_record(
    *, memorial_id: uuid.UUID | str, visitor: User, preview: bool
) -> None:
    audit_record(
        action="conversation.opened",
        memorial_id=memorial_id,
        actor=visitor,
        data={"preview": preview},
    )


def conversation_closed_record(
    *, memorial_id: uuid.UUID | str, visitor: User, preview: bool, messages: int, seconds: int
) -> None:
    """`messages`: those the visitor sent on this socket; `seconds`: its conversation time
    as `conversations.services.usage` counts it (shown in whole minutes)."""
    audit_record(
        action="conversation.closed",
        memorial_id=memorial_id,
        actor=visitor,
        data={"preview": preview, "messages": messages, "minutes": round(seconds / 60)},
    )
