"""Which lifecycle moves exist. Moves happen only through `memorial_transition`."""

from __future__ import annotations

from memorials.models import MemorialState

S = MemorialState

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PRESERVING: frozenset({S.SEALED, S.ACTIVE, S.ERASED}),
    S.SEALED: frozenset({S.PRESERVING, S.ACTIVE, S.ERASED}),
    S.ACTIVE: frozenset({S.CLOSED, S.ERASED}),
    S.CLOSED: frozenset({S.ERASED}),
    S.ERASED: frozenset(),
}


class InvalidTransition(Exception):
    def __init__(self, current: str, target: str) -> None:
        self.current, self.target = current, target
        super().__init__(
            f"A memorial that is {S(current).label.lower()} cannot become "
            f"{S(target).label.lower()}."
        )


def transition_allowed(current: str, target: str) -> bool:
    return target in ALLOWED_TRANSITIONS[current]
