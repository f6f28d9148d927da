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

from core.crypto import memorial_cipher
from corpus.models import Correspondent, Register
from corpus.registers import identity_hash
from memorials.models import Membership, Role

ROLE_REGISTERS = {Role.FAMILY: Register.FAMILY, Role.STEWARD: Register.FRIENDS}


def visitor_register(*, membership: Membership) -> str:
    """The register for `membership`'s conversations ("" for the subject)."""
    if membership.role == Role.SUBJECT:
        return ""
    cipher = memorial_cipher(memorial_id=membership.memorial_id)
    user = membership.user
    hashes = [identity_hash(cipher=cipher, value=value) for value in (user.email, user.full_name)]
    placed = (
        Correspondent.objects.filter(
            memorial_id=membership.memorial_id, value_hash__in=[h for h in hashes if h]
        )
        .values_list("register", flat=True)
        .first()
    )
    return placed or ROLE_REGISTERS.get(Role(membership.role), Register.FAMILY)
