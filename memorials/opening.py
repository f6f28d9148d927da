"""A living subject opens their memorial to their family, and closes it again.

Opening makes the memorial active, recorded as opened while living
(`Memorial.opened_while_living_at`): the people the wishes name may then talk with the twin
under the consent "conversations while you live" (`conversations.access`). Closing sends it
back to preserving. Both are the subject's alone, audited, and announced to every member's
open pages by the state event: a conversation socket re-checks its access on it and closes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse

from accounts.models import User
from core.audit import audit_record
from core.consent import ConsentRequired, ConsentScope, consent_gate
from memorials.lifecycle import InvalidTransition
from memorials.models import Memorial, MemorialState, MemorialWishes, Role, VisitorRule
from memorials.selectors import membership_list
from memorials.services import memorial_transition
from memorials.wishes import wishes_get, wishes_named_labels

OPENABLE_STATES = (MemorialState.PRESERVING, MemorialState.SEALED)


class OpeningError(Exception):
    """Why the memorial cannot be opened or closed now; shown to the subject."""


@dataclass(frozen=True)
class Blocker:
    """Something that stands in the way of opening, and where the subject can change it."""

    text: str
    link: str = ""
    link_text: str = ""


@dataclass(frozen=True)
class OpeningView:
    """What the opening page shows the subject."""

    blockers: list[Blocker]
    visitors: list[str]  # who could talk once it is open
    named_only: bool  # the wishes name people, rather than all family and stewards


def _blockers(*, memorial: Memorial, wishes: MemorialWishes) -> list[Blocker]:
    blockers = []
    if memorial.state == MemorialState.ACTIVE and memorial.opened_while_living_at is not None:
        blockers.append(Blocker("Your Legacy is already open to your family."))
    elif memorial.state not in OPENABLE_STATES:
        blockers.append(
            Blocker(f"A Legacy that is {memorial.get_state_display().lower()} cannot be opened.")
        )
    if not wishes.talk_while_living:
        blockers.append(
            Blocker(
                "Your wishes say that nobody talks with your twin while you live. To "
                "change that, tick “My family may talk with my twin while I am still "
                "alive” in your wishes, and save them.",
                reverse("memorials:wishes", args=[memorial.id]),
                "Change your wishes",
            )
        )
    try:
        consent_gate().require(memorial_id=memorial.id, scope=ConsentScope.CONVERSATION_LIVING)
    except ConsentRequired:
        blockers.append(
            Blocker(
                "You have not given your consent to “conversations while you live”. It says "
                "what your twin may do with your family, and you can withdraw it at any time.",
                reverse("consent:overview", args=[memorial.id]),
                "Your consents",
            )
        )
    return blockers


def opening_view(*, memorial: Memorial) -> OpeningView:
    wishes = wishes_get(memorial_id=memorial.id)
    if wishes.visitors == VisitorRule.NAMED:
        visitors = wishes_named_labels(wishes=wishes)
    else:
        visitors = [
            f"{m.user} ({m.get_role_display().lower()})"
            for m in membership_list(memorial_id=memorial.id).exclude(role=Role.SUBJECT)
        ]
    return OpeningView(
        blockers=_blockers(memorial=memorial, wishes=wishes),
        visitors=visitors,
        named_only=wishes.visitors == VisitorRule.NAMED,
    )


def _locked(*, memorial: Memorial, actor: User) -> Memorial:
    if actor.pk != memorial.subject_id:
        raise OpeningError("Only the person whose memorial this is can open or close it.")
    return Memorial.objects.select_for_update().get(pk=memorial.pk)


def memorial_open_while_living(*, memorial: Memorial, actor: User) -> Memorial:
    """The living subject opens their memorial to the people their wishes name. Needs the
    wish `talk_while_living` and the live consent "conversations while you live"; locks the
    memorial and the wishes while it checks them. Audited as "memorial.opened_while_living"."""
    with transaction.atomic():
        locked = _locked(memorial=memorial, actor=actor)
        wishes = MemorialWishes.objects.select_for_update().filter(memorial=locked).first()
        # No wishes row: the defaults, which do not allow talk while living.
        blockers = _blockers(memorial=locked, wishes=wishes or MemorialWishes(memorial=locked))
        if blockers:
            raise OpeningError(blockers[0].text)
        assert wishes is not None  # the defaults are a blocker
        before = locked.state
        try:
            memorial_transition(memorial=locked, to=MemorialState.ACTIVE, while_living=True)
        except InvalidTransition as error:
            raise OpeningError(str(error)) from None
        audit_record(
            action="memorial.opened_while_living",
            memorial_id=locked.id,
            actor=actor,
            data={"from": before, "visitors": wishes.visitors},
        )
    memorial.state, memorial.state_changed_at = locked.state, locked.state_changed_at
    memorial.opened_while_living_at = locked.opened_while_living_at
    return memorial


def memorial_close_to_visitors(*, memorial: Memorial, actor: User) -> Memorial:
    """The living subject closes the memorial they opened: back to preserving, where only
    they talk with the twin. Open conversation sockets hear the state event and close.
    Audited as "memorial.closed_to_visitors". A memorial activated after death cannot be."""
    with transaction.atomic():
        locked = _locked(memorial=memorial, actor=actor)
        if locked.state != MemorialState.ACTIVE or locked.opened_while_living_at is None:
            raise OpeningError(
                "Your Legacy is not open to your family, so there is nothing to close."
            )
        memorial_transition(memorial=locked, to=MemorialState.PRESERVING, while_living=True)
        audit_record(
            action="memorial.closed_to_visitors", memorial_id=locked.id, actor=actor, data={}
        )
    memorial.state, memorial.state_changed_at = locked.state, locked.state_changed_at
    memorial.opened_while_living_at = None
    return memorial
