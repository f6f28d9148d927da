"""Writes about a firm's clients: adding one to the roster, inviting them personally in the
firm's name, and their accepting, which makes them the subject of their own new memorial with
the firm attached. The firm never signs anything for the client: the client signs their own
consents on the consent pages once they have joined."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.mail import mail_outbox_discard
from core.names import name_clean
from core.tokens import token_hash, token_new
from firms.mail import firm_mail_send_on_commit
from firms.models import ClientStage, Firm, FirmClient, FirmStaff
from firms.signals import client_joined
from firms.trail import firm_audit_record
from memorials.services import memorial_create


class ClientError(Exception):
    """Why a client cannot be added, invited or accept; the message is shown as it is."""


def client_email_clean(email: str) -> str:
    """`email` stripped and lower-cased; ClientError when it is not an address."""
    cleaned = (email or "").strip().lower()
    if not cleaned:
        raise ClientError("An email address is needed.")
    try:
        validate_email(cleaned)
    except ValidationError:
        raise ClientError(f"“{cleaned}” is not an email address.") from None
    return cleaned


def client_name_clean(name: str) -> str:
    try:
        return name_clean(name or "", label="The client's name")
    except ValidationError as error:
        raise ClientError(error.messages[0]) from None


def client_invitation_token_hash(token: str) -> str:
    return token_hash(token)


def client_invitation_topic(*, client: FirmClient) -> str:
    """The outbox topic of a client's invitation mail (a replaced link's mail is dropped)."""
    return f"firm-client-invitation:{client.id}"


def client_create(
    *,
    firm: Firm,
    actor: User | None,
    name: str,
    email: str,
    advisor: FirmStaff | None = None,
    external_ref: str = "",
    invite: bool = True,
) -> FirmClient:
    """The firm's live client with `email`, added (audited "firm.client_added") and, when
    `invite`, sent a personal invitation, unless the address is already a live client:
    then that client is returned unchanged and nothing is sent. ClientError for a bad name
    or address, or an advisor who is not current staff of the firm."""
    email = client_email_clean(email)
    name = client_name_clean(name)
    if advisor is not None and (advisor.firm_id != firm.id or advisor.removed_at is not None):
        raise ClientError("The advisor must be current staff of the firm.")
    existing = FirmClient.objects.filter(firm=firm, email=email, detached_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            client = FirmClient.objects.create(
                firm=firm,
                name=name,
                email=email,
                advisor=advisor,
                external_ref=external_ref.strip()[:100],
            )
            firm_audit_record(
                firm=firm,
                action="firm.client_added",
                actor=actor,
                client=client,
                data={"advisor": str(advisor.id) if advisor else ""},
            )
            if invite:
                client = client_invitation_send(client=client, actor=actor)
    except IntegrityError:
        # Added at the same moment by another request: theirs is the client.
        return FirmClient.objects.get(firm=firm, email=email, detached_at__isnull=True)
    return client


def client_invitation_send(*, client: FirmClient, actor: User | None) -> FirmClient:
    """Mail `client` a personal invitation in the firm's name with a new link (the earlier
    link stops working and its undelivered mail is dropped); it expires after
    INVITATION_TTL_DAYS. Only the token's hash is stored. Audited "firm.client_invited".
    ClientError when the client already accepted or left the firm."""
    token = token_new()
    with transaction.atomic():
        locked = FirmClient.objects.select_for_update().select_related("firm").get(pk=client.pk)
        if locked.accepted_at is not None:
            raise ClientError(f"{locked.name} has already accepted the invitation.")
        if locked.detached_at is not None:
            raise ClientError(f"{locked.name} is no longer a client of the firm.")
        now = timezone.now()
        locked.invitation_token_hash = client_invitation_token_hash(token)
        locked.invited_at = now
        locked.invitation_expires_at = now + timedelta(days=settings.INVITATION_TTL_DAYS)
        locked.save(update_fields=["invitation_token_hash", "invited_at", "invitation_expires_at"])
        topic = client_invitation_topic(client=locked)
        mail_outbox_discard(topic=topic)
        firm_audit_record(
            firm=locked.firm, action="firm.client_invited", actor=actor, client=locked
        )
        link = settings.SITE_URL.rstrip("/") + reverse(
            "firms:client_accept", kwargs={"token": token}
        )
        firm_mail_send_on_commit(
            firm=locked.firm,
            to=[locked.email],
            subject=f"{locked.firm.name} has invited you to {settings.LEGACY_SITE_NAME}",
            template="firms/email/client_invitation.txt",
            context={"client": locked, "link": link},
            topic=topic,
        )
    return locked


def client_invitation_usable(*, token: str) -> FirmClient:
    """The client whose invitation `token` is, while it can still be accepted; else
    ClientError saying why (to anyone holding the link)."""
    client = (
        FirmClient.objects.select_related("firm")
        .filter(invitation_token_hash=client_invitation_token_hash(token or ""))
        .exclude(invitation_token_hash="")
        .first()
    )
    if client is None or client.detached_at is not None or client.firm.closed_at is not None:
        raise ClientError("This invitation link is not valid. Ask the firm for a new one.")
    if client.accepted_at is not None:
        raise ClientError("This invitation has already been used.")
    if client.invitation_expires_at is None or client.invitation_expires_at <= timezone.now():
        raise ClientError("This invitation has expired. Ask the firm to send it again.")
    return client


def client_invitation_check(*, token: str, user: User) -> FirmClient:
    """The client behind `token` if `user` may accept it now (their confirmed address is the
    one invited); else ClientError."""
    client = client_invitation_usable(token=token)
    if not EmailAddress.objects.filter(
        user=user, email__iexact=client.email, verified=True
    ).exists():
        raise ClientError(
            f"This invitation was sent to {client.email}. Sign in with that address "
            "(and confirm it) to accept it."
        )
    return client


def client_invitation_accept(*, token: str, user: User) -> FirmClient:
    """`user` accepts: they become the subject of their own new memorial, with the firm
    attached (the client's memorial, user, accepted_at, stage "joined"; the link stops
    working). Audited "client.joined_firm" on the new memorial's log and the firm's trail;
    `client_joined` is sent after commit. ClientError when the link or address will not do."""
    with transaction.atomic():
        client = client_invitation_check(token=token, user=user)
        # Lock, then re-read: two clicks at once must not make two memorials.
        client = FirmClient.objects.select_for_update().select_related("firm").get(pk=client.pk)
        if client.accepted_at is not None:
            raise ClientError("This invitation has already been used.")
        memorial = memorial_create(subject=user, name=client.name)
        client.memorial = memorial
        client.user = user
        client.accepted_at = timezone.now()
        client.invitation_token_hash = ""
        client.stage = ClientStage.JOINED
        client.save(
            update_fields=["memorial", "user", "accepted_at", "invitation_token_hash", "stage"]
        )
        firm_audit_record(firm=client.firm, action="client.joined_firm", actor=user, client=client)
        client_joined_send_on_commit(client=client)
    return client


def client_joined_send_on_commit(*, client: FirmClient) -> None:
    """The one sender of `firms.signals.client_joined`, after the change is committed."""
    transaction.on_commit(partial(client_joined.send, sender=FirmClient, client=client))
