"""The memorial page's plan card (`memorials.panels`): the plan in effect, its allowances
with meters, and this period's "nearly used" notices."""

from __future__ import annotations

from typing import Any

from billing.overview import plan_overview, reader_for
from billing.selectors import payer_for
from memorials.models import Membership, MemorialState, Role
from memorials.panels import MemorialPanel, panel_register


def _plan_panel(membership: Membership) -> dict[str, Any] | None:
    if membership.memorial.state == MemorialState.ERASED:
        return None
    payer = payer_for(memorial=membership.memorial)
    return {
        "overview": plan_overview(membership.memorial_id, reader=reader_for(membership)),
        "is_payer": payer is not None and payer.pk == membership.user_id,
        "is_subject": membership.role == Role.SUBJECT,
    }


def plan_panel_register() -> None:
    panel_register(MemorialPanel("plan", "billing/_plan_panel.html", _plan_panel, order=40))
