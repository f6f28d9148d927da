"""Leaving: a client detaches their firm at any time (the firm loses access at once), and a
firm that closes hands every memorial back to its subject and stewards. Nothing of any
memorial is deleted because a firm left: only the firm's hold on it ends."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from firms.mail import firm_mail_send_on_commit
from firms.models import ClientStage, Firm, FirmClient, FirmRole, FirmStaff
from firms.signals import client_detached
from firms.stewardship import firm_keys_revoke
from firms.trail import firm_audit_record
from memorials.naming import memorial_noun

CLIENT_LEFT, FIRM_CLOSED = "client_left", "firm_closed"


class LeavingError(Exception):
    """Why this cannot happen; the message is shown to the person."""


def firm_live_client_count(*, firm: Firm) -> int:
    """How many clients a closing firm hands back (those not yet detached)."""
    return FirmClient.objects.filter(firm=firm, detached_at__isnull=True).count()


def _detached_send_on_commit(*, client: FirmClient, reason: str) -> None:
    """Tell the rest of the app (seats, webhooks, the dashboard) once the change is committed."""
    transaction.on_commit(
        partial(client_detached.send, sender=FirmClient, client=client, reason=reason)
    )


def _staff_emails(*, firm: Firm) -> list[str]:
    return list(
        FirmStaff.objects.filter(firm=firm, removed_at__isnull=True).values_list(
            "user__email", flat=True
        )
    )


def _detach(*, client: FirmClient, actor: User, reason: str) -> FirmClient:
    """Inside the caller's transaction: the firm's hold on this client ends."""
    now = timezone.now()
    locked = FirmClient.objects.select_for_update().select_related("firm").get(pk=client.pk)
    if locked.detached_at is not None:
        raise LeavingError("The firm is no longer attached.")
    was_steward = locked.professional_steward_since is not None
    locked.detached_at = now
    locked.stage = ClientStage.DETACHED
    locked.professional_steward_since = None
    locked.invitation_token_hash = ""  # an invitation not yet accepted stops working too
    locked.save(
        update_fields=[
            "detached_at",
            "stage",
            "professional_steward_since",
            "invitation_token_hash",
        ]
    )
    keys_revoked = firm_keys_revoke(client=locked, now=now)
    firm_audit_record(
        firm=locked.firm,
        action="firm.client_detached",
        actor=actor,
        client=locked,
        data={"reason": reason, "was_steward": was_steward, "keys_revoked": keys_revoked},
    )
    _detached_send_on_commit(client=locked, reason=reason)
    return locked


def client_detach(*, client: FirmClient, actor: User) -> FirmClient:
    """The client detaches their firm: it loses access at once (status, reminders, billing,
    its steward role and activation key); audited in the firm's trail and the memorial's log;
    the firm's staff are told. The memorial and everything in it stay as they are."""
    if client.user_id is None or client.user_id != actor.pk:
        raise LeavingError("Only the client can detach their firm.")
    with transaction.atomic():
        locked = _detach(client=client, actor=actor, reason=CLIENT_LEFT)
        firm_mail_send_on_commit(
            firm=locked.firm,
            to=_staff_emails(firm=locked.firm),
            subject=f"{locked.name} has detached {locked.firm.name}",
            template="firms/email/client_detached.txt",
            context={"client": locked},
            topic="firm_client_detached",
        )
    return locked


def firm_close(*, staff: FirmStaff, confirm_name: str) -> Firm:
    """The owner closes the firm, typing its name to confirm. Every client is detached (reason
    firm_closed: seats stop through `client_detached`) and told their memorial stays theirs
    and their stewards'; then the firm is closed, and nobody reaches its pages any more."""
    firm = staff.firm
    if staff.role != FirmRole.OWNER or staff.removed_at is not None:
        raise LeavingError("Only the firm's owner can close it.")
    if confirm_name.strip() != firm.name:
        raise LeavingError(f"Please type the firm's name exactly: {firm.name}")
    with transaction.atomic():
        locked = Firm.objects.select_for_update().get(pk=firm.pk)
        if locked.closed_at is not None:
            raise LeavingError("This firm is already closed.")
        clients = FirmClient.objects.filter(firm=locked, detached_at__isnull=True)
        detached = 0
        for client in clients.select_related("memorial").order_by("created_at").iterator():
            client = _detach(client=client, actor=staff.user, reason=FIRM_CLOSED)
            detached += 1
            if client.accepted_at is not None:
                firm_mail_send_on_commit(
                    firm=locked,
                    to=[client.user.email if client.user else client.email],
                    subject=f"{locked.name} has closed: your {_noun(client)} stays yours",
                    template="firms/email/firm_closed_client.txt",
                    context={"client": client},
                    memorial_id=client.memorial_id,
                    topic="firm_closed",
                )
        locked.closed_at = timezone.now()
        locked.save(update_fields=["closed_at"])
        firm_audit_record(
            firm=locked, action="firm.closed", actor=staff.user, data={"clients": detached}
        )
    return locked


def _noun(client: FirmClient) -> str:
    """What the client's mail calls their memorial: "Legacy" while they live."""
    return memorial_noun(client.memorial) if client.memorial is not None else "Legacy"
