"""Professional stewards: a party outside the memorial's members (an estate-planning firm)
that the subject named one steward. `memorials` cannot import the apps built on it, so such
an app registers a `ProfessionalStewardSource` in its AppConfig.ready(); the activation rules
then count each party as ONE steward, whichever of its people acts for it.

A party holds one activation key (its own row, with the same fields as `ActivationKey`, so
the same checks and lockout apply), and the people acting for it are one person to the
second-approval rule: none of them may approve a request another of them started."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from accounts.models import User


class KeyRow(Protocol):
    """A live activation key row: `ActivationKey`, or a professional party's own."""

    key_hash: str
    failed_attempts: int
    last_failed_at: datetime | None

    def save(self, *, update_fields: list[str]) -> None: ...


@dataclass(frozen=True)
class ProfessionalSteward:
    party: str  # e.g. "firm:<id>": who the steward is, whoever acts for it
    name: str
    emails: tuple[str, ...]  # the people acting for it, for the stewards' notices


class ProfessionalStewardSource(Protocol):
    def stewards_of(self, *, memorial_id: uuid.UUID | str) -> list[ProfessionalSteward]:
        """The parties the subject named stewards of the memorial, now."""
        ...

    def party_of(self, *, memorial_id: uuid.UUID | str, user: User) -> str | None:
        """The party `user` may act for on this memorial now, or None."""
        ...

    def key_row_locked(self, *, memorial_id: uuid.UUID | str, party: str) -> KeyRow | None:
        """The party's live key row, locked for update (inside the caller's transaction)."""
        ...

    def key_exists(self, *, memorial_id: uuid.UUID | str, party: str) -> bool: ...


_SOURCES: dict[str, ProfessionalStewardSource] = {}


def professional_source_register(*, name: str, source: ProfessionalStewardSource) -> None:
    _SOURCES[name] = source


def professional_stewards(*, memorial_id: uuid.UUID | str) -> list[ProfessionalSteward]:
    return [s for source in _SOURCES.values() for s in source.stewards_of(memorial_id=memorial_id)]


def professional_party_of(*, memorial_id: uuid.UUID | str, user: User) -> str | None:
    """The professional steward `user` acts for on this memorial, or None."""
    for source in _SOURCES.values():
        party = source.party_of(memorial_id=memorial_id, user=user)
        if party is not None:
            return party
    return None


def professional_key_row_locked(*, memorial_id: uuid.UUID | str, party: str) -> KeyRow | None:
    for source in _SOURCES.values():
        row = source.key_row_locked(memorial_id=memorial_id, party=party)
        if row is not None:
            return row
    return None


def professional_key_exists(*, memorial_id: uuid.UUID | str, party: str) -> bool:
    return any(
        source.key_exists(memorial_id=memorial_id, party=party) for source in _SOURCES.values()
    )
