"""Healthy use's cards on the memorial page: for stewards, the way to the visitors' time page
(with who waits for their approval); for a member who joined before it was asked, the
age-group question."""

from __future__ import annotations

from typing import Any

from memorials.forms import AgeGroupForm
from memorials.models import AgeGroup, Membership, MemorialState, Role
from memorials.panels import MemorialPanel, panel_register

GONE = (MemorialState.CLOSED, MemorialState.ERASED)


def _visitors_time_context(membership: Membership) -> dict[str, Any] | None:
    if membership.role != Role.STEWARD or membership.memorial.state in GONE:
        return None
    waiting = (
        Membership.objects.filter(
            memorial_id=membership.memorial_id,
            age_group=AgeGroup.MINOR,
            minor_approved_at__isnull=True,
        )
        .exclude(role=Role.SUBJECT)
        .select_related("user")
    )
    return {"waiting": list(waiting)}


def _age_group_context(membership: Membership) -> dict[str, Any] | None:
    if membership.role == Role.SUBJECT or membership.age_group != AgeGroup.UNSTATED:
        return None
    if membership.memorial.state in GONE:
        return None
    return {"form": AgeGroupForm()}


def limits_panels_register() -> None:
    panel_register(
        MemorialPanel(
            "visitors_time",
            "conversations/_visitors_time_panel.html",
            _visitors_time_context,
            order=12,
        )
    )
    panel_register(
        MemorialPanel(
            "age_group", "conversations/_age_group_panel.html", _age_group_context, order=8
        )
    )
