"""Who may do what to an activation, and when. The services enforce these rules and the
activation page (`selectors.activation_view_for`) shows them, from the same functions."""

from __future__ import annotations

import uuid
from datetime import datetime

from accounts.models import User
from memorials.models import ActivationRequest, Membership, Memorial, MemorialState, Role

ACTIVATABLE_STATES = (MemorialState.PRESERVING, MemorialState.SEALED, MemorialState.ACTIVE)


class ActivationError(Exception):
    """Why this activation step cannot happen; the message is shown to the person."""


def steward_count(*, memorial_id: uuid.UUID | str) -> int:
    return Membership.objects.filter(memorial_id=memorial_id, role=Role.STEWARD).count()


def steward_require(*, memorial: Memorial, user: User) -> None:
    if not Membership.objects.filter(memorial=memorial, user=user, role=Role.STEWARD).exists():
        raise ActivationError("Only the memorial's stewards can do this.")


def memorial_activatable(*, memorial: Memorial) -> bool:
    """False once the memorial is closed (or erased): it can no longer be activated."""
    return memorial.state in ACTIVATABLE_STATES


def activation_started_by(*, activation: ActivationRequest, user: User) -> bool:
    """True for the steward who asked: they may withdraw it, and never approve it."""
    return user.pk == activation.started_by_id


def activation_waiting_until(*, activation: ActivationRequest, now: datetime) -> datetime | None:
    """While the notice period runs, when it ends (nobody may approve before); else None."""
    return activation.approvable_at if now < activation.approvable_at else None
