"""The conversation's card on the memorial page: the way in for family, and for the subject
a preview of their twin."""

from __future__ import annotations

from typing import Any

from conversations.access import conversation_access
from conversations.limits_panels import limits_panels_register
from conversations.selectors import questions_waiting, usage_totals
from memorials.models import Membership, MemorialState, Role
from memorials.panels import MemorialPanel, panel_register


def _conversation_panel_context(membership: Membership) -> dict[str, Any] | None:
    if membership.memorial.state in (MemorialState.CLOSED, MemorialState.ERASED):
        return None
    access = conversation_access(user=membership.user, memorial_id=membership.memorial_id)
    # The subject and stewards see this month's use as totals only (never who, nor what).
    usage = (
        usage_totals(memorial_id=membership.memorial_id)
        if membership.role in (Role.SUBJECT, Role.STEWARD)
        else None
    )
    if not access.allowed and membership.role == Role.STEWARD and not (usage and usage.messages):
        return None  # stewards manage; they are told nothing they cannot act on
    return {
        "allowed": access.allowed,
        "reason": access.reason,
        "preview": access.preview,
        "usage": usage,
    }


def _questions_panel_context(membership: Membership) -> dict[str, Any] | None:
    """The subject alone sees their family's questions; a memorial never opened while they
    live has none to show."""
    if membership.role != Role.SUBJECT:
        return None
    memorial = membership.memorial
    questions = questions_waiting(memorial=memorial)
    if not questions and memorial.opened_while_living_at is None:
        return None
    return {"questions": questions}


def conversations_panel_register() -> None:
    panel_register(
        MemorialPanel(
            "conversation", "conversations/_panel.html", _conversation_panel_context, order=10
        )
    )
    panel_register(
        MemorialPanel(
            "questions", "conversations/_questions_panel.html", _questions_panel_context, order=5
        )
    )
    limits_panels_register()
