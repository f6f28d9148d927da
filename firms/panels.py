"""The "Your firm" card on a client's own memorial page (a `memorials.panels` panel): the firm
attached, what it can and cannot see, naming it a steward or withdrawing that, and detaching
it. Shown to the memorial's subject only."""

from __future__ import annotations

from typing import Any

from firms.stewardship import client_firm_for_subject
from memorials.models import Membership, Role
from memorials.panels import MemorialPanel, panel_register


def firm_panel_context(membership: Membership) -> dict[str, Any] | None:
    if membership.role != Role.SUBJECT:
        return None
    client = client_firm_for_subject(user=membership.user, memorial_id=membership.memorial_id)
    if client is None:
        return None
    return {"client": client, "firm": client.firm}


def firm_panel_register() -> None:
    panel_register(
        MemorialPanel(
            name="firm", template="firms/_client_firm_panel.html", context=firm_panel_context
        )
    )
