"""Reads for the kill switch: who may pull it, what it would erase, what it left behind."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from core.holders import holder_count, holders
from core.models import MemorialKey
from memorials.activation.selectors import activation_is_approved
from memorials.models import (
    EndingRule,
    ErasureCertificate,
    Membership,
    Memorial,
    MemorialState,
    Role,
)
from memorials.selectors import MemorialNotFound, memorial_get_for
from memorials.wishes import wishes_get

logger = logging.getLogger(__name__)

# States in which the subject has died and a steward holds the memorial.
AFTER_DEATH_STATES = (MemorialState.ACTIVE, MemorialState.CLOSED)


class MemorialErased(Exception):
    """The memorial was erased (or its erasure has begun): stop, and touch nothing."""


def steward_may_erase(*, memorial: Memorial) -> bool:
    """Whether a steward may pull the kill switch: only after the subject's death (the
    memorial activated or closed through an approved activation: a living subject may open
    their memorial too), and only when the subject's wishes say that what is left at the end
    is erased."""
    if memorial.state not in AFTER_DEATH_STATES:
        return False
    if not activation_is_approved(memorial_id=memorial.id):
        return False
    return wishes_get(memorial_id=memorial.id).ending == EndingRule.ERASE


def erasure_membership_for(
    *, user: User | AnonymousUser, memorial_id: uuid.UUID | str
) -> Membership:
    """The caller's membership if they may erase this memorial: its subject, or a steward
    the wishes allow after death. Everyone else: MemorialNotFound (a 404)."""
    membership = memorial_get_for(
        user=user, memorial_id=memorial_id, roles=[Role.SUBJECT, Role.STEWARD]
    )
    if membership.role == Role.STEWARD and not steward_may_erase(memorial=membership.memorial):
        raise MemorialNotFound
    return membership


@dataclass(frozen=True)
class HolderCount:
    name: str
    label: str
    count: int | None  # None: the holder could not count


def erasure_inventory(*, memorial_id: uuid.UUID) -> list[HolderCount]:
    """What every registered holder keeps of this memorial, kind by kind."""
    return [
        HolderCount(name=holder.name, label=holder.label, count=holder_count(holder, memorial_id))
        for holder in holders()
    ]


def memorial_erased_check(*, memorial_id: uuid.UUID | str) -> None:
    """Raise MemorialErased if the memorial is gone, erased, or its data key destroyed.

    Background tasks call this at each step (before reading, deriving or writing), so
    work queued before an erasure stops on its own even if its revocation was missed."""
    state = Memorial.objects.filter(pk=memorial_id).values_list("state", flat=True).first()
    if state is None or state == MemorialState.ERASED:
        raise MemorialErased(str(memorial_id))
    if MemorialKey.objects.filter(memorial_id=memorial_id, destroyed_at__isnull=False).exists():
        raise MemorialErased(str(memorial_id))


def erasure_certificate_get_for(
    *, user: User | AnonymousUser | None, certificate_id: uuid.UUID
) -> ErasureCertificate:
    """The certificate, for the person who erased the memorial; a 404 for anyone else."""
    if user is None or not user.is_authenticated:
        raise MemorialNotFound
    certificate = ErasureCertificate.objects.filter(pk=certificate_id, erased_by=user).first()
    if certificate is None:
        raise MemorialNotFound
    return certificate


def erasure_certificate_list_for(*, user: User) -> list[ErasureCertificate]:
    """The certificates of the erasures `user` made, newest first (the tombstone lines of
    their list: a certificate holds no name, and neither do they)."""
    return list(ErasureCertificate.objects.filter(erased_by=user).order_by("-created_at"))
