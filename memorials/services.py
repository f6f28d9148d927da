"""Writes: creating memorials, moving them through their lifecycle, inviting people."""

from __future__ import annotations

import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.events import memorial_event_broadcast
from memorials.lifecycle import InvalidTransition, transition_allowed
from memorials.models import Invitation, Membership, Memorial, Role
from memorials.selectors import invitation_get_by_token, invitation_token_hash


class InvitationError(Exception):
    """Why an invitation cannot be used; the message is shown to the person holding it."""


def memorial_create(*, subject: User, name: str) -> Memorial:
    with transaction.atomic():
        memorial = Memorial.objects.create(subject=subject, name=name.strip())
        Membership.objects.create(memorial=memorial, user=subject, role=Role.SUBJECT)
    return memorial


def memorial_transition(*, memorial: Memorial, to: str) -> Memorial:
    """The only way a memorial changes state. Locks the row; refuses moves that don't exist."""
    with transaction.atomic():
        locked = Memorial.objects.select_for_update().get(pk=memorial.pk)
        if not transition_allowed(locked.state, to):
            raise InvalidTransition(locked.state, to)
        locked.state = to
        locked.state_changed_at = timezone.now()
        locked.save(update_fields=["state", "state_changed_at", "updated_at"])
        transaction.on_commit(
            lambda: memorial_event_broadcast(
                memorial_id=locked.id, kind="state", data={"state": to}
            )
        )
    memorial.state, memorial.state_changed_at = locked.state, locked.state_changed_at
    return memorial


def invitation_create(
    *, memorial: Memorial, invited_by: User, email: str, role: str, base_url: str
) -> Invitation:
    """Invite someone by email. The raw token exists only in the mail that is sent."""
    email = email.strip().lower()
    if role not in (Role.STEWARD, Role.FAMILY):
        raise InvitationError("Only stewards and family can be invited.")
    if Membership.objects.filter(memorial=memorial, user__email__iexact=email).exists():
        raise InvitationError(f"{email} is already part of this memorial.")
    if any(inv.is_pending for inv in Invitation.objects.filter(memorial=memorial, email=email)):
        raise InvitationError(f"{email} already has an invitation waiting.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        memorial=memorial,
        email=email,
        role=role,
        invited_by=invited_by,
        token_hash=invitation_token_hash(token),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    link = base_url.rstrip("/") + reverse("invitations:show", kwargs={"token": token})
    transaction.on_commit(lambda: _invitation_send(invitation=invitation, link=link))
    return invitation


def _invitation_send(*, invitation: Invitation, link: str) -> None:
    context = {"invitation": invitation, "link": link}
    send_mail(
        subject=f"[Legacy] {invitation.invited_by} has invited you to {invitation.memorial}",
        message=render_to_string("memorials/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_revoke(*, invitation: Invitation) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


def invitation_check(*, token: str, user: User) -> Invitation:
    """The invitation behind `token`, if `user` may accept it now; else InvitationError."""
    invitation = invitation_get_by_token(token=token)
    if invitation is None or invitation.revoked_at is not None:
        raise InvitationError("This invitation link is not valid. Ask for a new one.")
    if invitation.accepted_at is not None:
        raise InvitationError("This invitation has already been used.")
    if invitation.expires_at <= timezone.now():
        raise InvitationError("This invitation has expired. Ask for a new one.")
    if not EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists():
        raise InvitationError(
            f"This invitation was sent to {invitation.email}. Sign in with that address "
            "(and confirm it) to accept it."
        )
    return invitation


def invitation_accept(*, token: str, user: User) -> Membership:
    with transaction.atomic():
        invitation = invitation_check(token=token, user=user)
        # Lock, then re-read: two clicks at once must not both succeed.
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise InvitationError("This invitation has already been used.")
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    memorial_id=invitation.memorial_id, user=user, role=invitation.role
                )
        except IntegrityError:
            raise InvitationError("You are already part of this memorial.") from None
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership
