"""Writes: creating memorials, moving them through their lifecycle, inviting people."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.allowances import AllowanceKind, allowance_check
from core.audit import audit_record
from core.crypto import memorial_cipher
from core.events import EventKind, SocketClose, event_send_on_commit
from core.mail import mail_outbox_discard, mail_send_on_commit
from core.names import name_clean
from core.sockets import memorial_user_group, sockets_close_on_commit
from core.tokens import token_new
from memorials.lifecycle import InvalidTransition, transition_allowed
from memorials.models import (
    ActivationKey,
    AgeGroup,
    Invitation,
    Membership,
    Memorial,
    MemorialState,
    MemorialWishes,
    Role,
)
from memorials.selectors import (
    invitation_get_by_token,
    invitation_mail_topic,
    invitation_token_hash,
    invitation_words,
    memorial_get_for,
)


class InvitationError(Exception):
    """Why an invitation cannot be used; the message is shown to the person holding it."""


class MembershipError(Exception):
    """Why a membership cannot be removed; the message is shown to the subject."""


def memorial_create(*, subject: User, name: str) -> Memorial:
    """A new memorial with its subject. Its data key is made first: the name is stored
    encrypted with it, so the kill switch takes the name too. ValidationError when the name
    is not one (core.names: one line, not too long)."""
    name = name_clean(name, label="The memorial's name")
    memorial = Memorial(subject=subject)
    with transaction.atomic():
        cipher = memorial_cipher(memorial_id=memorial.id)
        memorial.name_encrypted = cipher.encrypt_text(name)
        memorial.save(force_insert=True)
        Membership.objects.create(memorial=memorial, user=subject, role=Role.SUBJECT)
        audit_record(action="memorial.created", memorial_id=memorial.id, actor=subject, data={})
    return memorial


def memorial_transition(
    *, memorial: Memorial, to: str, while_living: bool = False, actor: User | None = None
) -> Memorial:
    """The only way a memorial changes state. Locks the row; refuses moves that don't exist.

    `while_living` marks the living subject's own opening (to active: the memorial is then
    recorded as opened while living) and closing (active back to preserving, allowed only
    for a memorial so opened). Every other move clears that record.

    `actor`: the person who asked for this move (the subject sealing or reopening), which is
    then audited; the flows that move a memorial for their own reasons (opening, activation,
    sunset, erasure) audit it themselves, in their own words."""
    with transaction.atomic():
        locked = Memorial.objects.select_for_update().get(pk=memorial.pk)
        closing = while_living and locked.opened_while_living_at is not None
        if not transition_allowed(locked.state, to, closing_opened_while_living=closing):
            raise InvalidTransition(locked.state, to)
        now, before = timezone.now(), locked.state
        locked.state = to
        locked.state_changed_at = now
        opening = while_living and to == MemorialState.ACTIVE
        locked.opened_while_living_at = now if opening else None
        locked.save(
            update_fields=["state", "state_changed_at", "opened_while_living_at", "updated_at"]
        )
        if actor is not None:
            audit_record(
                action="memorial.state_changed",
                memorial_id=locked.id,
                actor=actor,
                data={"from": before, "to": to},
            )
        event_send_on_commit(memorial_id=locked.id, kind=EventKind.STATE, data={"state": to})
    memorial.state, memorial.state_changed_at = locked.state, locked.state_changed_at
    memorial.opened_while_living_at = locked.opened_while_living_at
    return memorial


def memorial_activated_after_death(*, memorial: Memorial) -> Memorial:
    """The memorial is active from now on as activated after its subject's death: from
    preserving or sealed it becomes active; one its living subject had opened stays active,
    no longer as opened while living (so nobody can send it back to preserving, and
    conversations need the posthumous consent). Raises InvalidTransition from other states."""
    with transaction.atomic():
        locked = Memorial.objects.select_for_update().get(pk=memorial.pk)
        if locked.state != MemorialState.ACTIVE:
            return memorial_transition(memorial=memorial, to=MemorialState.ACTIVE)
        locked.opened_while_living_at = None
        locked.save(update_fields=["opened_while_living_at", "updated_at"])
        event_send_on_commit(
            memorial_id=locked.id, kind=EventKind.STATE, data={"state": locked.state}
        )
    memorial.opened_while_living_at = None
    return memorial


def membership_remove(*, memorial: Memorial, membership: Membership, actor: User) -> None:
    """The subject removes a steward or a family member from their memorial.

    Only the subject may (others get MemorialNotFound); the subject cannot be removed. A
    steward's live activation key is revoked with it. Audited; once committed, the removed
    person's open sockets on this memorial close (MEMBERSHIP_REMOVED)."""
    with transaction.atomic():
        memorial_get_for(user=actor, memorial_id=memorial.pk, roles=[Role.SUBJECT])
        removed = (
            Membership.objects.select_for_update()
            .filter(pk=membership.pk, memorial_id=memorial.pk)
            .first()
        )
        if removed is None:
            raise MembershipError("They are no longer part of this memorial.")
        if removed.role == Role.SUBJECT:
            raise MembershipError("You cannot remove yourself from your own Legacy.")
        removed.delete()
        ActivationKey.objects.filter(
            memorial_id=memorial.pk, steward_id=removed.user_id, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        audit_record(
            action="membership.removed",
            memorial_id=memorial.pk,
            actor=actor,
            data={"user": str(removed.user_id), "role": removed.role},
        )
        sockets_close_on_commit(
            group=memorial_user_group(memorial_id=memorial.pk, user_id=removed.user_id),
            code=SocketClose.MEMBERSHIP_REMOVED,
        )


def invitation_create(
    *, memorial: Memorial, invited_by: User, email: str, role: str, base_url: str
) -> Invitation:
    """Invite someone by email. The raw token exists only in the mail that is sent."""
    email = email.strip().lower()
    if role not in (Role.STEWARD, Role.FAMILY):
        raise InvitationError("Only stewards and family can be invited.")
    if Membership.objects.filter(memorial=memorial, user__email__iexact=email).exists():
        raise InvitationError(f"{email} is already part of this memorial.")
    sealed = Invitation.email_sealed(cipher=memorial_cipher(memorial_id=memorial.id), email=email)
    earlier = Invitation.objects.filter(memorial=memorial, email_hash=sealed["email_hash"])
    if any(inv.is_pending for inv in earlier):
        raise InvitationError(f"{email} already has an invitation waiting.")
    # The plan's family members (members and invitations still open, core.allowances).
    members = allowance_check(memorial_id=memorial.id, kind=AllowanceKind.FAMILY_MEMBERS)
    if not members.allowed:
        raise InvitationError(members.reason)
    token = token_new()
    with transaction.atomic():  # the invitation and its mail exist together, or neither
        invitation = Invitation.objects.create(
            memorial=memorial,
            **sealed,
            role=role,
            invited_by=invited_by,
            token_hash=invitation_token_hash(token),
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
        )
        audit_record(
            action="invitation.created",
            memorial_id=memorial.id,
            actor=invited_by,
            data={"invitation": str(invitation.id), "role": role},
        )
        _invitation_mail(invitation=invitation, token=token, base_url=base_url)
    return invitation


def invitation_resend(
    *, invitation: Invitation, base_url: str, actor: User | None = None
) -> Invitation:
    """Send a waiting invitation again, as a new mail with a new link: the old link stops
    working and any old mail not yet delivered is dropped. Its two weeks start again.
    InvitationError if it was accepted, withdrawn or has expired meanwhile."""
    token = token_new()
    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update()
            .select_related("memorial", "invited_by")
            .get(pk=invitation.pk)
        )
        if not locked.is_pending:
            raise InvitationError(
                f"The invitation to {locked.email} is no longer waiting, so it was not sent."
            )
        locked.token_hash = invitation_token_hash(token)
        locked.expires_at = timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS)
        locked.save(update_fields=["token_hash", "expires_at"])
        mail_outbox_discard(topic=invitation_mail_topic(invitation=locked))
        audit_record(
            action="invitation.resent",
            memorial_id=locked.memorial_id,
            actor=actor,
            data={"invitation": str(locked.id), "role": locked.role},
        )
        _invitation_mail(invitation=locked, token=token, base_url=base_url)
    return locked


def _invitation_mail(*, invitation: Invitation, token: str, base_url: str) -> None:
    link = base_url.rstrip("/") + reverse("invitations:show", kwargs={"token": token})
    words = invitation_words(invitation=invitation)
    mail_send_on_commit(
        to=[invitation.email],
        subject=f"{words.who} has invited you to {words.place}",
        template="memorials/email/invitation.txt",
        context={"invitation": invitation, "link": link, "words": words},
        memorial_id=invitation.memorial_id,
        topic=invitation_mail_topic(invitation=invitation),
    )


def invitation_revoke(*, invitation: Invitation, actor: User | None = None) -> None:
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            action="invitation.revoked",
            memorial_id=invitation.memorial_id,
            actor=actor,
            data={"invitation": str(invitation.id), "role": invitation.role},
        )


def invitation_usable(*, token: str) -> Invitation:
    """The invitation behind `token` while it can still be accepted; else InvitationError
    (saying why, to anyone holding the link)."""
    invitation = invitation_get_by_token(token=token)
    if invitation is None or invitation.revoked_at is not None:
        raise InvitationError("This invitation link is not valid. Ask for a new one.")
    if invitation.accepted_at is not None:
        raise InvitationError("This invitation has already been used.")
    if invitation.expires_at <= timezone.now():
        raise InvitationError("This invitation has expired. Ask for a new one.")
    return invitation


def invitation_check(*, token: str, user: User) -> Invitation:
    """The invitation behind `token`, if `user` may accept it now; else InvitationError."""
    invitation = invitation_usable(token=token)
    if not EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists():
        raise InvitationError(
            f"This invitation was sent to {invitation.email}. Sign in with that address "
            "(and confirm it) to accept it."
        )
    return invitation


def invitation_accept(*, token: str, user: User, age_group: str) -> Membership:
    """`user` joins the memorial as invited, saying their age group ("18 or over" or
    "under 18": a visitor under 18 talks with the twin only once a steward agrees)."""
    if age_group not in (AgeGroup.ADULT, AgeGroup.MINOR):
        raise InvitationError("Please tell us whether you are 18 or over, or under 18.")
    with transaction.atomic():
        invitation = invitation_check(token=token, user=user)
        # Lock, then re-read: two clicks at once must not both succeed.
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise InvitationError("This invitation has already been used.")
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    memorial_id=invitation.memorial_id,
                    user=user,
                    role=invitation.role,
                    age_group=age_group,
                )
        except IntegrityError:
            raise InvitationError("You are already part of this memorial.") from None
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(
            action="invitation.accepted",
            memorial_id=invitation.memorial_id,
            actor=user,
            data={"invitation": str(invitation.id), "role": invitation.role},
        )
        _named_invitation_becomes_membership(invitation=invitation, membership=membership)
    return membership


def membership_age_group_state(*, membership: Membership, age_group: str) -> Membership:
    """A member who joined before it was asked says their age group, once: it is not
    changed afterwards here (a steward's approval rests on it). Audited."""
    if age_group not in (AgeGroup.ADULT, AgeGroup.MINOR):
        raise MembershipError("Please tell us whether you are 18 or over, or under 18.")
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.age_group == AgeGroup.UNSTATED:
            locked.age_group = age_group
            locked.save(update_fields=["age_group"])
            audit_record(
                action="membership.age_group_stated",
                memorial_id=locked.memorial_id,
                actor=locked.user,
                data={"age_group": age_group},
            )
    membership.age_group = locked.age_group
    return membership


def _named_invitation_becomes_membership(*, invitation: Invitation, membership: Membership) -> None:
    """Wishes that named this person by their invitation now name their membership."""
    for wishes in MemorialWishes.objects.select_for_update().filter(named_invitations=invitation):
        wishes.named_visitors.add(membership)
        wishes.named_invitations.remove(invitation)
