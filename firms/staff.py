"""A firm's staff: inviting people by a tokenised, expiring, single-use link mailed in the
firm's name (only the token's hash is stored), accepting it, changing a role, removing
someone (they lose every power at once: `firm_get_for` asks for a current staff row), and
the reads the staff page shows. Mirrors the memorial family invitation flow."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.mail import MailDeliveryState, mail_deliveries
from core.tokens import token_hash, token_new
from firms.mail import firm_mail_send_on_commit
from firms.models import Firm, FirmRole, FirmStaff, FirmStaffInvitation
from firms.trail import firm_audit_record


class StaffError(Exception):
    """Why a staff change or an invitation cannot go ahead; shown to the person."""


def staff_token_hash(token: str) -> str:
    return token_hash(token)


def staff_invitation_mail_topic(*, invitation: FirmStaffInvitation) -> str:
    return f"firm_staff_invitation:{invitation.pk}"


def _role_words(role: str) -> str:
    return {
        FirmRole.OWNER: "an owner",
        FirmRole.ADVISOR: "an advisor",
        FirmRole.ASSISTANT: "an assistant",
    }[FirmRole(role)]


def _role_check(role: str) -> str:
    if role not in FirmRole.values:
        raise StaffError("Please choose owner, advisor or assistant.")
    return role


def staff_invite(*, staff: FirmStaff, email: str, role: str, base_url: str) -> FirmStaffInvitation:
    """Invite `email` to join `staff`'s firm as `role`. The raw token exists only in the mail."""
    email = email.strip().lower()
    role = _role_check(role)
    firm = staff.firm
    if role == FirmRole.OWNER and staff.role != FirmRole.OWNER:
        raise StaffError("Only an owner can invite another owner.")
    if FirmStaff.objects.filter(
        firm=firm, user__email__iexact=email, removed_at__isnull=True
    ).exists():
        raise StaffError(f"{email} is already on the staff of {firm.name}.")
    earlier = FirmStaffInvitation.objects.filter(firm=firm, email=email)
    if any(invitation.is_pending for invitation in earlier):
        raise StaffError(f"{email} already has an invitation waiting.")
    token = token_new()
    with transaction.atomic():  # the invitation and its mail exist together, or neither
        invitation = FirmStaffInvitation.objects.create(
            firm=firm,
            email=email,
            role=role,
            invited_by=staff.user,
            token_hash=staff_token_hash(token),
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
        )
        firm_audit_record(
            firm=firm,
            action="firm.staff_invited",
            actor=staff.user,
            data={"invitation": str(invitation.id), "role": role},
        )
        link = base_url.rstrip("/") + reverse("firms:staff_accept", kwargs={"token": token})
        firm_mail_send_on_commit(
            firm=firm,
            to=[email],
            subject=f"{firm.name} has invited you to join its staff on {settings.LEGACY_SITE_NAME}",
            template="firms/email/staff_invitation.txt",
            context={
                "invitation": invitation,
                "link": link,
                "role_words": _role_words(role),
                "inviter": staff.user.full_name or staff.user.email,
            },
            topic=staff_invitation_mail_topic(invitation=invitation),
        )
    return invitation


def staff_invitation_revoke(*, staff: FirmStaff, invitation_id: str) -> FirmStaffInvitation:
    with transaction.atomic():
        invitation = (
            FirmStaffInvitation.objects.select_for_update()
            .filter(firm_id=staff.firm_id, pk=invitation_id)
            .first()
        )
        if invitation is None or not invitation.is_pending:
            raise StaffError("That invitation is no longer waiting.")
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        firm_audit_record(
            firm=staff.firm,
            action="firm.staff_invitation_revoked",
            actor=staff.user,
            data={"invitation": str(invitation.id), "role": invitation.role},
        )
    return invitation


def staff_invitation_usable(*, token: str) -> FirmStaffInvitation:
    """The invitation behind `token` while it can still be accepted; else StaffError."""
    invitation = (
        FirmStaffInvitation.objects.select_related("firm")
        .filter(token_hash=staff_token_hash(token))
        .first()
    )
    if invitation is None or invitation.revoked_at is not None:
        raise StaffError("This invitation link is not valid. Ask the firm for a new one.")
    if invitation.firm.closed_at is not None:
        raise StaffError("This firm has closed.")
    if invitation.accepted_at is not None:
        raise StaffError("This invitation has already been used.")
    if invitation.expires_at <= timezone.now():
        raise StaffError("This invitation has expired. Ask the firm for a new one.")
    return invitation


def staff_invitation_check(*, token: str, user: User) -> FirmStaffInvitation:
    """The invitation, if `user` (with the invited address, confirmed) may accept it now."""
    invitation = staff_invitation_usable(token=token)
    if not EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists():
        raise StaffError(
            f"This invitation was sent to {invitation.email}. Sign in with that address "
            "(and confirm it) to accept it."
        )
    return invitation


def staff_invitation_accept(*, token: str, user: User) -> FirmStaff:
    """`user` joins the firm's staff in the invited role. Single use: two clicks at once do
    not both succeed."""
    with transaction.atomic():
        invitation = staff_invitation_check(token=token, user=user)
        invitation = FirmStaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise StaffError("This invitation has already been used.")
        try:
            with transaction.atomic():
                joined = FirmStaff.objects.create(
                    firm_id=invitation.firm_id, user=user, role=invitation.role
                )
        except IntegrityError:
            raise StaffError("You are already on this firm's staff.") from None
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        firm = Firm.objects.get(pk=invitation.firm_id)
        firm_audit_record(
            firm=firm,
            action="firm.staff_joined",
            actor=user,
            data={"invitation": str(invitation.id), "staff": joined.pk, "role": joined.role},
        )
    joined.firm = firm
    return joined


def _member_locked(*, staff: FirmStaff, member_id: int) -> FirmStaff:
    member = (
        FirmStaff.objects.select_for_update()
        .filter(firm_id=staff.firm_id, pk=member_id, removed_at__isnull=True)
        .first()
    )
    if member is None:
        raise StaffError("That person is no longer on the staff.")
    return member


def _owners_left(*, firm_id: uuid.UUID, without: int) -> int:
    return (
        FirmStaff.objects.select_for_update()
        .filter(firm_id=firm_id, role=FirmRole.OWNER, removed_at__isnull=True)
        .exclude(pk=without)
        .count()
    )


def _owner_rule_check(*, staff: FirmStaff, member: FirmStaff, new_role: str | None) -> None:
    """Only an owner changes or removes an owner, or makes one; a firm keeps an owner."""
    touches_owner = member.role == FirmRole.OWNER or new_role == FirmRole.OWNER
    if touches_owner and staff.role != FirmRole.OWNER:
        raise StaffError("Only an owner can change or remove an owner.")
    stepping_down = member.role == FirmRole.OWNER and new_role != FirmRole.OWNER
    if stepping_down and _owners_left(firm_id=staff.firm_id, without=member.pk) == 0:
        raise StaffError("A firm always has an owner. Make someone else an owner first.")


def staff_role_change(*, staff: FirmStaff, member_id: int, role: str) -> FirmStaff:
    role = _role_check(role)
    with transaction.atomic():
        member = _member_locked(staff=staff, member_id=member_id)
        if member.role == role:
            return member
        _owner_rule_check(staff=staff, member=member, new_role=role)
        previous = member.role
        member.role = role
        member.save(update_fields=["role"])
        firm_audit_record(
            firm=staff.firm,
            action="firm.staff_role_changed",
            actor=staff.user,
            data={"staff": member.pk, "from": previous, "role": role},
        )
    return member


def staff_remove(*, staff: FirmStaff, member_id: int) -> FirmStaff:
    """Remove someone from the staff: from now on `firm_get_for` refuses them everything.
    Their row stays (the trail names them)."""
    with transaction.atomic():
        member = _member_locked(staff=staff, member_id=member_id)
        _owner_rule_check(staff=staff, member=member, new_role=None)
        member.removed_at = timezone.now()
        member.save(update_fields=["removed_at"])
        firm_audit_record(
            firm=staff.firm,
            action="firm.staff_removed",
            actor=staff.user,
            data={"staff": member.pk, "role": member.role},
        )
    return member


# --- Reads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingStaffInvitation:
    invitation: FirmStaffInvitation
    mail: MailDeliveryState


def staff_list(*, firm: Firm) -> list[FirmStaff]:
    return list(
        FirmStaff.objects.select_related("user")
        .filter(firm=firm, removed_at__isnull=True)
        .order_by("role", "user__email")
    )


def staff_member_get(*, staff: FirmStaff, member_id: int) -> FirmStaff | None:
    return (
        FirmStaff.objects.select_related("user")
        .filter(firm_id=staff.firm_id, pk=member_id, removed_at__isnull=True)
        .first()
    )


def staff_invitations_pending(*, firm: Firm) -> list[PendingStaffInvitation]:
    invitations = list(
        FirmStaffInvitation.objects.filter(
            firm=firm,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
    )
    topics = {
        invitation.pk: staff_invitation_mail_topic(invitation=invitation)
        for invitation in invitations
    }
    deliveries = mail_deliveries(topics=topics.values()) if invitations else {}
    return [
        PendingStaffInvitation(invitation=invitation, mail=deliveries[topics[invitation.pk]])
        for invitation in invitations
    ]


def firms_for_user(*, user: User) -> list[FirmStaff]:
    """The open firms `user` is current staff of, with the firm joined in."""
    return list(
        FirmStaff.objects.select_related("firm")
        .filter(user=user, removed_at__isnull=True, firm__closed_at__isnull=True)
        .order_by("firm__name")
    )
