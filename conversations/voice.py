"""The register the twin speaks in with a visitor: the voice that fits their relationship.

The rule, in order:
1. the subject's own preview: no register (their whole voice, all their writing);
2. a visitor the subject placed among their correspondents (`corpus.Correspondent`), by the
   visitor's account email or full name, meets the voice of that register: a steward who is
   a former colleague, placed under professional, meets the professional voice;
3. otherwise a family member meets the family voice, and a steward the friends' voice
   (someone trusted whose relationship the subject has not named).

The register picks the style portrait; what the twin may recall is not narrowed by it (the
subject chose who may talk, and the wishes' forbidden topics say what is not to be talked
about)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from core.crypto import memorial_cipher
from core.queries import compiled_row
from corpus.models import Correspondent, Register
from corpus.registers import identity_hash
from memorials.models import Membership, Role

ROLE_REGISTERS = {Role.FAMILY: Register.FAMILY, Role.STEWARD: Register.FRIENDS}


def _placed(memorial_id: uuid.UUID, first_hash: str, second_hash: str) -> QuerySet[Any]:
    return (
        Correspondent.objects.filter(memorial_id=memorial_id)
        .filter(value_hash__in=[first_hash, second_hash])
        .order_by("register", "created_at")  # as the model orders them (`.first()` did)
        .values_list("register")[:1]
    )


def visitor_register(*, membership: Membership) -> str:
    """The register for `membership`'s conversations ("" for the subject)."""
    if membership.role == Role.SUBJECT:
        return ""
    cipher = memorial_cipher(memorial_id=membership.memorial_id)
    user = membership.user
    hashes = [identity_hash(cipher=cipher, value=value) for value in (user.email, user.full_name)]
    hashes = [h for h in hashes if h]
    placed = None
    # compiled once (`core.queries`): read on every reply; a single hash is given twice
    if hashes:
        row = compiled_row(
            _placed,
            (uuid.UUID(int=0), "probe-hash-1", "probe-hash-2"),
            [membership.memorial_id, hashes[0], hashes[-1]],
        )
        placed = row[0] if row else None
    return placed or ROLE_REGISTERS.get(Role(membership.role), Register.FAMILY)
