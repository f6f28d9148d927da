"""Who may do what to an activation, and when. The services enforce these rules and the
activation page (`selectors.activation_view_for`) shows them, from the same functions."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import User
from memorials.activation.professional import professional_party_of, professional_stewards
from memorials.models import ActivationRequest, Membership, Memorial, MemorialState, Role

ACTIVATABLE_STATES = (MemorialState.PRESERVING, MemorialState.SEALED, MemorialState.ACTIVE)


def moment_words(moment: datetime) -> str:
    """A moment as the person reading it knows it: in the active time zone (theirs, on a
    page they are signed in to), with that zone's abbreviation ("3 March 2026, 09:30 EST")."""
    return date_format(timezone.localtime(moment), "j F Y, H:i T")


class ActivationError(Exception):
    """Why this activation step cannot happen; the message is shown to the person."""


def steward_count(*, memorial_id: uuid.UUID | str) -> int:
    """Member stewards, plus each professional steward (a firm) as one."""
    members = Membership.objects.filter(memorial_id=memorial_id, role=Role.STEWARD).count()
    return members + len(professional_stewards(memorial_id=memorial_id))


def is_member_steward(*, memorial_id: uuid.UUID | str, user: User) -> bool:
    return Membership.objects.filter(memorial_id=memorial_id, user=user, role=Role.STEWARD).exists()


def member_steward_require(*, memorial: Memorial, user: User) -> None:
    """A steward who is a member of the memorial (keys of their own are issued only to them)."""
    if not is_member_steward(memorial_id=memorial.id, user=user):
        raise ActivationError("Only the memorial's stewards can do this.")


def steward_require(*, memorial: Memorial, user: User) -> None:
    """A member steward, or someone acting for a professional steward of the memorial."""
    if is_member_steward(memorial_id=memorial.id, user=user):
        return
    if professional_party_of(memorial_id=memorial.id, user=user) is None:
        raise ActivationError("Only the memorial's stewards can do this.")


def memorial_activatable(*, memorial: Memorial) -> bool:
    """False once the memorial is closed (or erased): it can no longer be activated."""
    return memorial.state in ACTIVATABLE_STATES


def activation_started_by(*, activation: ActivationRequest, user: User) -> bool:
    """True for the steward who asked: they may withdraw it, and never approve it. A
    professional steward is one steward: everyone acting for it counts as the one who asked."""
    if user.pk == activation.started_by_id:
        return True
    party = professional_party_of(memorial_id=activation.memorial_id, user=user)
    return party is not None and party == professional_party_of(
        memorial_id=activation.memorial_id, user=activation.started_by
    )


def activation_waiting_until(*, activation: ActivationRequest, now: datetime) -> datetime | None:
    """While the notice period runs, when it ends (nobody may approve before); else None."""
    return activation.approvable_at if now < activation.approvable_at else None
