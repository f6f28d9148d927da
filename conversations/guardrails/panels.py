"""The stewards' safety notes on the memorial page: recent alerts, never a visitor's words
unless they chose to share them (`alerts.alerts_for_steward`)."""

from __future__ import annotations

from typing import Any

from conversations.guardrails.alerts import alerts_for_steward
from memorials.models import Membership
from memorials.panels import MemorialPanel, panel_register


def _safety_panel_context(membership: Membership) -> dict[str, Any] | None:
    alerts = alerts_for_steward(membership=membership)
    return None if alerts is None else {"alerts": alerts}


def safety_panel_register() -> None:
    panel_register(
        MemorialPanel("safety", "conversations/safety/_panel.html", _safety_panel_context, order=4)
    )
