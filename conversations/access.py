"""Who may talk with a memorial's twin, decided in one place.

`conversation_access` is the only check, for the page and the socket alike."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from accounts.models import User
from memorials.models import Membership, Role
from memorials.selectors import memorial_get_for


@dataclass(frozen=True)
class ConversationAccess:
    membership: Membership
    allowed: bool
    reason: str  # why not, in plain words, when not allowed
    preview: bool  # the subject trying their own twin

    @property
    def memorial(self):  # type: ignore[no-untyped-def]
        return self.membership.memorial


def conversation_access(*, user: User, memorial_id: uuid.UUID | str) -> ConversationAccess:
    """May `user` talk with this memorial's twin now, and if not, why. Non-members get
    MemorialNotFound (a 404), as everywhere. (A first version: the subject may always
    preview; the full rule on wishes, lifecycle and consent comes with its own change.)"""
    membership = memorial_get_for(user=user, memorial_id=memorial_id)
    if membership.role == Role.SUBJECT:
        return ConversationAccess(membership, allowed=True, reason="", preview=True)
    name = membership.memorial.name
    return ConversationAccess(
        membership,
        allowed=False,
        reason=f"{name} has not opened their memorial for conversations yet.",
        preview=False,
    )
