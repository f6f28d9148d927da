"""The twin's card on the memorial page: its build for the subject and the stewards."""

from __future__ import annotations

from typing import Any

from memorials.models import Membership, Role
from memorials.panels import MemorialPanel, panel_register
from twins.selectors import twin_card


def _twin_panel_context(membership: Membership) -> dict[str, Any] | None:
    if membership.role not in (Role.SUBJECT, Role.STEWARD):
        return None
    return twin_card(memorial_id=membership.memorial_id, is_subject=membership.role == Role.SUBJECT)


def twins_panel_register() -> None:
    panel_register(MemorialPanel("twin", "twins/_panel.html", _twin_panel_context, order=20))
