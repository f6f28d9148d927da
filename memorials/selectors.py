"""Reads. `memorial_get_for` is the one way in to a memorial: every page and socket uses it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import User
from core.crypto import memorial_ciphers
from core.events import Audience, memorial_audience_groups
from core.mail import MailDeliveryState, mail_deliveries
from core.tokens import token_hash
from memorials.activation.selectors import activation_is_approved
from memorials.models import Invitation, Membership, Memorial, MemorialState, Role

# Which events each role's sockets receive (core.events declares each kind's audience).
ROLE_AUDIENCES: Mapping[str, tuple[Audience, ...]] = {
    Role.SUBJECT: (Audience.SUBJECT, Audience.SUBJECT_AND_STEWARDS, Audience.MEMBERS),
    Role.STEWARD: (Audience.SUBJECT_AND_STEWARDS, Audience.MEMBERS),
    Role.FAMILY: (Audience.MEMBERS,),
}


class MemorialNotFound(Http404):
    """No such memorial *for this person*: absent, or they hold no (fitting) role in it.
    The two are deliberately indistinguishable, so a stranger learns nothing."""


class MemorialGone(MemorialNotFound):
    """The memorial was erased: a 404 like any other, which pages answer by saying so
    (`memorials.middleware`), as its people may still follow a link to it. Its memberships
    are erased with it, so whoever is signed in and holds its address learns that it was
    erased, and nothing more (its name went with its key)."""


def memorial_get_for(
    *,
    user: User | AnonymousUser | None,
    memorial_id: uuid.UUID | str,
    roles: Iterable[str] | None = None,
) -> Membership:
    """The caller's membership of the memorial, with the memorial joined in.

    `roles` narrows who may pass (e.g. only the subject may invite). Anonymous users,
    non-members, members without a listed role and erased memorials all raise
    MemorialNotFound (for a signed-in person and an erased memorial, MemorialGone).
    """
    if user is None or not user.is_authenticated:
        raise MemorialNotFound
    query = Membership.objects.select_related("memorial", "user").filter(
        memorial_id=memorial_id, user=user
    )
    query = query.exclude(memorial__state=MemorialState.ERASED)
    if roles is not None:
        query = query.filter(role__in=list(roles))
    membership = query.first()
    if membership is None:
        if Memorial.objects.filter(pk=memorial_id, state=MemorialState.ERASED).exists():
            raise MemorialGone
        raise MemorialNotFound
    return membership


def membership_event_groups(*, membership: Membership) -> list[str]:
    """The event groups this member's sockets join: those of the audiences their role is in."""
    return memorial_audience_groups(
        memorial_id=membership.memorial_id, audiences=ROLE_AUDIENCES[membership.role]
    )


def memorial_list_for_user(*, user: User) -> list[Membership]:
    """The user's memberships, newest memorial first, each memorial's name already
    decrypted: their keys are read in one query, however many there are."""
    memberships = list(
        Membership.objects.select_related("memorial")
        .filter(user=user)
        .exclude(memorial__state=MemorialState.ERASED)
        .order_by("-memorial__created_at")
    )
    ciphers = memorial_ciphers(memorial_ids=[m.memorial_id for m in memberships])
    for membership in memberships:
        membership.memorial.name_read(cipher=ciphers.get(membership.memorial_id))
    return memberships


def membership_list(*, memorial_id: uuid.UUID) -> QuerySet[Membership]:
    return Membership.objects.select_related("user").filter(memorial_id=memorial_id)


@dataclass(frozen=True)
class PendingInvitation:
    invitation: Invitation
    mail: MailDeliveryState  # whether its mail was sent, is waiting, or could not be sent


def invitation_mail_topic(*, invitation: Invitation) -> str:
    """What an invitation's mail is about, in the outbox (core.mail)."""
    return f"invitation:{invitation.pk}"


def invitation_list_pending(*, memorial_id: uuid.UUID) -> list[PendingInvitation]:
    """The invitations still waiting to be accepted, each with how its mail is doing."""
    invitations = [
        invitation
        for invitation in Invitation.objects.filter(
            memorial_id=memorial_id, accepted_at__isnull=True, revoked_at__isnull=True
        )
        if invitation.is_pending
    ]
    topics = {
        invitation.pk: invitation_mail_topic(invitation=invitation) for invitation in invitations
    }
    deliveries = mail_deliveries(topics=topics.values()) if invitations else {}
    return [
        PendingInvitation(invitation=invitation, mail=deliveries[topics[invitation.pk]])
        for invitation in invitations
    ]


def invitation_token_hash(token: str) -> str:
    return token_hash(token)


def invitation_get_by_token(*, token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("memorial", "invited_by")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


@dataclass(frozen=True)
class InvitationWords:
    """How an invitation speaks of itself, to someone who may know nothing of Legacy: who
    invites them (the subject's name, never an address), and what their role means. While
    the subject lives, it speaks of their Legacy, not of a memorial."""

    who: str  # the subject, by the name they gave
    living: bool
    role: str  # "family" or "steward"
    role_means: str  # one or two plain sentences

    @property
    def place(self) -> str:
        return f"{self.who}'s {'Legacy' if self.living else 'memorial'}"


def invitation_words(*, invitation: Invitation) -> InvitationWords:
    memorial = invitation.memorial
    who = memorial.name
    living = not activation_is_approved(memorial_id=memorial.id)
    if invitation.role == Role.STEWARD:
        role_means = (
            f"A steward is someone {who} trusts to look after what they leave: to tell Legacy "
            "when they have died (another steward, or Legacy's staff, confirms it before "
            "anything changes), to keep their wishes, and to be told, without being shown "
            "anyone's words, when a family member may need support."
        )
    elif living:
        role_means = (
            f"As family, you will be able to talk with a likeness of {who} made only from "
            "their own words, once they choose to open it, and within the wishes they have "
            "written. What you say there is yours alone."
        )
    else:
        role_means = (
            f"As family, you can talk with a likeness of {who} made only from their own "
            "words, within the wishes they wrote. It is an AI, and says so; what you say "
            "there is yours alone."
        )
    return InvitationWords(who=who, living=living, role=invitation.role, role_means=role_means)
