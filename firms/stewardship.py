"""A firm as a client's professional steward: the client (the memorial's subject) names the
firm, or withdraws it; while named, the firm is ONE steward of the memorial in
`memorials.activation` (registered there as a professional steward source): it holds one
activation key, issued to the firm and used by its owner and advisors through the firm's
pages, and follows the same death-certificate and second-approval path as any steward. None
of the people acting for the firm may approve a request another of them started."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from firms.mail import firm_mail_send_on_commit
from firms.models import FirmActivationKey, FirmClient, FirmRole, FirmStaff
from firms.trail import firm_audit_record
from memorials.activation.approvals import activation_cancel
from memorials.activation.keys import activation_key_generate, activation_key_hash
from memorials.activation.professional import KeyRow, ProfessionalSteward
from memorials.activation.requests import activation_start
from memorials.activation.rules import (
    ActivationError,
    activation_started_by,
    activation_waiting_until,
)
from memorials.activation.selectors import (
    activation_is_approved,
    activation_last_ended_get,
    activation_pending_get,
)
from memorials.models import ActivationRequest

# The roles that act for the firm as a steward (an assistant sees the state, never acts).
STEWARD_ROLES = (FirmRole.OWNER, FirmRole.ADVISOR)
PARTY_PREFIX = "firm:"


class StewardshipError(Exception):
    """Why this step cannot happen; the message is shown to the person."""


def firm_party(*, firm_id: uuid.UUID) -> str:
    return f"{PARTY_PREFIX}{firm_id}"


def _stewarding_clients(*, memorial_id: uuid.UUID | str) -> list[FirmClient]:
    return list(
        FirmClient.objects.select_related("firm")
        .filter(
            memorial_id=memorial_id,
            professional_steward_since__isnull=False,
            detached_at__isnull=True,
            firm__closed_at__isnull=True,
        )
        .order_by("created_at")
    )


class FirmStewardSource:
    """What `memorials.activation.professional` asks of firms."""

    def stewards_of(self, *, memorial_id: uuid.UUID | str) -> list[ProfessionalSteward]:
        stewards = []
        for client in _stewarding_clients(memorial_id=memorial_id):
            emails = FirmStaff.objects.filter(
                firm_id=client.firm_id, removed_at__isnull=True, role__in=STEWARD_ROLES
            ).values_list("user__email", flat=True)
            stewards.append(
                ProfessionalSteward(
                    party=firm_party(firm_id=client.firm_id),
                    name=client.firm.name,
                    emails=tuple(emails),
                )
            )
        return stewards

    def party_of(self, *, memorial_id: uuid.UUID | str, user: User) -> str | None:
        if user is None or not user.is_authenticated:
            return None
        staff = (
            FirmStaff.objects.filter(
                user=user,
                removed_at__isnull=True,
                role__in=STEWARD_ROLES,
                firm__closed_at__isnull=True,
                firm__clients__memorial_id=memorial_id,
                firm__clients__professional_steward_since__isnull=False,
                firm__clients__detached_at__isnull=True,
            )
            .order_by("created_at")
            .first()
        )
        return firm_party(firm_id=staff.firm_id) if staff is not None else None

    def _keys(self, *, memorial_id: uuid.UUID | str, party: str) -> QuerySet[FirmActivationKey]:
        if not party.startswith(PARTY_PREFIX):
            return FirmActivationKey.objects.none()
        return FirmActivationKey.objects.filter(
            client__firm_id=party.removeprefix(PARTY_PREFIX),
            client__memorial_id=memorial_id,
            client__detached_at__isnull=True,
            client__professional_steward_since__isnull=False,
            revoked_at__isnull=True,
        )

    def key_row_locked(self, *, memorial_id: uuid.UUID | str, party: str) -> KeyRow | None:
        keys = self._keys(memorial_id=memorial_id, party=party)
        return keys.select_for_update(of=("self",)).first()

    def key_exists(self, *, memorial_id: uuid.UUID | str, party: str) -> bool:
        return self._keys(memorial_id=memorial_id, party=party).exists()


def client_firm_for_subject(*, user: User, memorial_id: uuid.UUID | str) -> FirmClient | None:
    """The firm attached to the memorial of which `user` is the client (its subject), if any."""
    return (
        FirmClient.objects.select_related("firm")
        .filter(
            user=user,
            memorial_id=memorial_id,
            memorial__subject=user,
            detached_at__isnull=True,
            firm__closed_at__isnull=True,
        )
        .first()
    )


def _client_locked(client: FirmClient) -> FirmClient:
    locked = FirmClient.objects.select_for_update().get(pk=client.pk)
    if locked.detached_at is not None:
        raise StewardshipError("This firm is no longer attached to your memorial.")
    return locked


def firm_keys_revoke(*, client: FirmClient, now: datetime) -> int:
    """Revoke the firm's live activation key for this client (inside the caller's transaction)."""
    return FirmActivationKey.objects.filter(client=client, revoked_at__isnull=True).update(
        revoked_at=now
    )


def professional_steward_name(*, client: FirmClient, actor: User) -> FirmClient:
    """The client names their firm a professional steward of their memorial."""
    if client.user_id != actor.pk or client.memorial_id is None:
        raise StewardshipError("Only the client can name their firm a steward.")
    with transaction.atomic():
        locked = _client_locked(client)
        if locked.professional_steward_since is not None:
            return locked
        locked.professional_steward_since = timezone.now()
        locked.save(update_fields=["professional_steward_since"])
        firm_audit_record(firm=client.firm, action="firm.steward_named", actor=actor, client=locked)
    return locked


def professional_steward_withdraw(
    *, client: FirmClient, actor: User, now: datetime | None = None
) -> FirmClient:
    """The client withdraws the firm's steward role: its activation key stops working at once,
    and a request to activate the memorial that the firm made and that still waits is
    cancelled (as the subject cancels one). Both audited; the firm's owners and advisors are
    told by mail after commit."""
    if client.user_id != actor.pk:
        raise StewardshipError("Only the client can withdraw their firm as a steward.")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _client_locked(client)
        if locked.professional_steward_since is None:
            return locked
        # Read while the firm is still a steward: who asked is known through its party.
        pending = _firm_pending_request(client=locked)
        locked.professional_steward_since = None
        locked.save(update_fields=["professional_steward_since"])
        revoked = firm_keys_revoke(client=locked, now=now)
        firm_audit_record(
            firm=client.firm,
            action="firm.steward_withdrawn",
            actor=actor,
            client=locked,
            data={"keys_revoked": revoked},
        )
        if pending is not None:
            activation_cancel(activation=pending, actor=actor, now=now)
            firm_audit_record(
                firm=client.firm,
                action="firm.activation_cancelled_by_client",
                actor=actor,
                client=locked,
                data={"activation": str(pending.id)},
            )
        firm_mail_send_on_commit(
            firm=client.firm,
            to=_steward_staff_emails(client=locked),
            subject=f"{locked.name} has withdrawn {client.firm.name} as a steward",
            template="firms/email/steward_withdrawn.txt",
            context={"client": locked, "request_cancelled": pending is not None},
            memorial_id=locked.memorial_id,
            topic="firm_steward_withdrawn",
        )
    return locked


def _firm_pending_request(*, client: FirmClient) -> ActivationRequest | None:
    """The memorial's waiting activation request when the firm (any of its people) made it."""
    if client.memorial_id is None:
        return None
    pending = activation_pending_get(memorial_id=client.memorial_id)
    if pending is None or pending.started_by is None:
        return None
    party = FirmStewardSource().party_of(memorial_id=client.memorial_id, user=pending.started_by)
    return pending if party == firm_party(firm_id=client.firm_id) else None


def _steward_staff_emails(*, client: FirmClient) -> list[str]:
    return list(
        FirmStaff.objects.filter(
            firm_id=client.firm_id, removed_at__isnull=True, role__in=STEWARD_ROLES
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def _steward_staff_require(*, staff: FirmStaff, client: FirmClient) -> None:
    if client.firm_id != staff.firm_id or client.professional_steward_since is None:
        raise StewardshipError("The client has not named the firm a steward.")
    if staff.role not in STEWARD_ROLES or staff.removed_at is not None:
        raise StewardshipError("Only the firm's owner and advisors act as its steward.")


def firm_activation_key_get(*, client: FirmClient) -> FirmActivationKey | None:
    """The firm's live key row for this client (never the key itself)."""
    return FirmActivationKey.objects.filter(client=client, revoked_at__isnull=True).first()


def firm_activation_key_issue(*, staff: FirmStaff, client: FirmClient) -> str:
    """Issue the firm's key for this client (replacing any earlier one). Returns the key: the
    only time it exists in the clear. Only its hash is stored."""
    _steward_staff_require(staff=staff, client=client)
    key = activation_key_generate()
    with transaction.atomic():
        locked = _client_locked(client)
        reissued = bool(firm_keys_revoke(client=locked, now=timezone.now()))
        FirmActivationKey.objects.create(
            client=locked, key_hash=activation_key_hash(key), issued_by=staff.user
        )
        firm_audit_record(
            firm=staff.firm,
            action="firm.steward_key_issued",
            actor=staff.user,
            client=locked,
            data={"reissued": reissued},
        )
    return key


def firm_activation_start(
    *, staff: FirmStaff, client: FirmClient, key: str, certificate: UploadedFile | None
) -> ActivationRequest:
    """The firm, as steward, asks to activate the client's memorial with its key and the death
    certificate: the memorial's own activation path (notice period, second approval)."""
    _steward_staff_require(staff=staff, client=client)
    assert client.memorial is not None
    try:
        activation = activation_start(
            memorial=client.memorial, steward=staff.user, key=key, certificate=certificate
        )
    except ActivationError as error:
        raise StewardshipError(str(error)) from None
    firm_audit_record(
        firm=staff.firm,
        action="firm.activation_requested",
        actor=staff.user,
        client=client,
        data={"activation": str(activation.id)},
    )
    return activation


def firm_activation_withdraw(*, staff: FirmStaff, client: FirmClient) -> ActivationRequest:
    """The firm withdraws the request it made (any of its owner and advisors may)."""
    _steward_staff_require(staff=staff, client=client)
    assert client.memorial_id is not None
    pending = activation_pending_get(memorial_id=client.memorial_id)
    if pending is None:
        raise StewardshipError("No request is waiting.")
    try:
        activation = activation_cancel(activation=pending, actor=staff.user)
    except ActivationError as error:
        raise StewardshipError(str(error)) from None
    firm_audit_record(
        firm=staff.firm,
        action="firm.activation_withdrawn",
        actor=staff.user,
        client=client,
        data={"activation": str(activation.id)},
    )
    return activation


@dataclass(frozen=True)
class FirmStewardView:
    """What the firm's steward page shows for one client: states, never content."""

    may_act: bool  # owner or advisor (an assistant only sees)
    has_key: bool
    approved: bool
    pending: ActivationRequest | None
    pending_is_ours: bool  # the firm asked: it may withdraw, and never approve
    waiting_until: datetime | None
    last_ended: ActivationRequest | None


def firm_steward_view(*, staff: FirmStaff, client: FirmClient, now: datetime) -> FirmStewardView:
    assert client.memorial_id is not None
    pending = activation_pending_get(memorial_id=client.memorial_id)
    may_act = staff.role in STEWARD_ROLES
    return FirmStewardView(
        may_act=may_act,
        has_key=firm_activation_key_get(client=client) is not None,
        approved=activation_is_approved(memorial_id=client.memorial_id),
        pending=pending,
        pending_is_ours=(
            pending is not None
            and may_act
            and activation_started_by(activation=pending, user=staff.user)
        ),
        waiting_until=(
            activation_waiting_until(activation=pending, now=now) if pending is not None else None
        ),
        last_ended=activation_last_ended_get(memorial_id=client.memorial_id),
    )
