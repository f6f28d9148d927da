"""A steward's activation key: issued once (only its hash is kept), checked when they ask to
activate, with wrong keys counted and locked out for a day past the limit."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.audit import audit_record
from memorials.activation.professional import (
    KeyRow,
    professional_key_row_locked,
    professional_party_of,
)
from memorials.activation.rules import (
    ActivationError,
    is_member_steward,
    member_steward_require,
    moment_words,
)
from memorials.models import ActivationKey, Memorial
from memorials.naming import memorial_noun
from memorials.notices import notice_send_on_commit, site_link

KEY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
KEY_GROUPS, KEY_GROUP_LENGTH = 5, 5  # 25 characters, 125 bits
KEY_LOCKOUT = timedelta(hours=24)


def activation_key_normalise(key: str) -> str:
    """What the steward typed, as the key it means: case, spaces, dashes and the letters
    people confuse with digits do not matter."""
    key = "".join(ch for ch in key.upper() if ch.isalnum())
    return key.translate(str.maketrans("OIL", "011"))


def activation_key_hash(key: str) -> str:
    return hashlib.sha256(f"activation:{activation_key_normalise(key)}".encode()).hexdigest()


def activation_key_generate() -> str:
    """A fresh key in the clear (the caller stores only its hash)."""
    raw = "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_GROUPS * KEY_GROUP_LENGTH))
    step = KEY_GROUP_LENGTH
    return "-".join(raw[i : i + step] for i in range(0, len(raw), step))


def activation_key_get(*, memorial_id: uuid.UUID | str, steward: User) -> ActivationKey | None:
    """The steward's live key row (never the key itself), or None if none was issued."""
    return ActivationKey.objects.filter(
        memorial_id=memorial_id, steward=steward, revoked_at__isnull=True
    ).first()


def activation_key_issue(*, memorial: Memorial, steward: User) -> str:
    """Issue the steward's key (replacing any earlier one). Returns the key: the only time
    it exists in the clear. Only its hash is stored. A professional steward's key is issued
    by its own app (see `memorials.activation.professional`)."""
    member_steward_require(memorial=memorial, user=steward)
    key = activation_key_generate()
    with transaction.atomic():
        reissued = bool(
            ActivationKey.objects.filter(
                memorial=memorial, steward=steward, revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
        )
        ActivationKey.objects.create(
            memorial=memorial, steward=steward, key_hash=activation_key_hash(key)
        )
        audit_record(
            action="activation.key_issued",
            memorial_id=memorial.id,
            actor=steward,
            data={"steward": steward.pk, "reissued": reissued},
        )
    return key


def _lockout_check(row: KeyRow, now: datetime) -> bool:
    """Whether the last wrong key is recent; ActivationError if the steward is locked out."""
    recent = row.last_failed_at is not None and now - row.last_failed_at < KEY_LOCKOUT
    if recent and row.failed_attempts >= settings.ACTIVATION_KEY_MAX_ATTEMPTS:
        assert row.last_failed_at is not None
        until = row.last_failed_at + KEY_LOCKOUT
        raise ActivationError(f"Too many wrong keys. Please try again after {moment_words(until)}.")
    return recent


def _refusal_record(
    *, row: KeyRow, memorial: Memorial, steward: User, recent: bool, now: datetime
) -> None:
    row.failed_attempts = row.failed_attempts + 1 if recent else 1
    row.last_failed_at = now
    row.save(update_fields=["failed_attempts", "last_failed_at"])
    audit_record(
        action="activation.key_refused",
        memorial_id=memorial.id,
        actor=steward,
        data={"steward": steward.pk, "attempt": row.failed_attempts},
    )
    notice_send_on_commit(
        to=[memorial.subject.email],
        subject=f"Someone tried to activate your {memorial_noun(memorial)}",
        template="activation_attempt_refused",
        context={
            "memorial": memorial,
            "steward": steward,
            "link": site_link(memorial.get_absolute_url()),
        },
    )


def _key_row_locked(*, memorial: Memorial, steward: User) -> KeyRow | None:
    """The member steward's own key row, or the key of the professional steward they act
    for (one key for the whole party), locked for update."""
    if is_member_steward(memorial_id=memorial.id, user=steward):
        return (
            ActivationKey.objects.select_for_update()
            .filter(memorial_id=memorial.id, steward=steward, revoked_at__isnull=True)
            .first()
        )
    party = professional_party_of(memorial_id=memorial.id, user=steward)
    if party is None:
        return None
    return professional_key_row_locked(memorial_id=memorial.id, party=party)


def activation_key_check(*, memorial: Memorial, steward: User, key: str, now: datetime) -> KeyRow:
    """The steward's key row if `key` is theirs; else ActivationError.

    The row is locked (select_for_update) while it is checked and counted, so parallel
    attempts take turns: within KEY_LOCKOUT at most ACTIVATION_KEY_MAX_ATTEMPTS wrong keys
    are compared at all. A wrong key is counted (audited, the subject told) in a transaction
    that commits before the error is raised, so the count sticks when the caller holds no
    transaction of its own (`activation_start` holds none)."""
    with transaction.atomic():
        row = _key_row_locked(memorial=memorial, steward=steward)
        if row is None:
            raise ActivationError("You have no activation key yet. Open your key page first.")
        recent = _lockout_check(row, now)
        if secrets.compare_digest(row.key_hash, activation_key_hash(key)):
            return row
        _refusal_record(row=row, memorial=memorial, steward=steward, recent=recent, now=now)
    raise ActivationError("That is not your activation key. Please check it and try again.")
