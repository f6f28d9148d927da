"""Which lifecycle moves exist. Moves happen only through `memorial_transition`.

One move depends on more than the two states: a memorial its living subject opened to their
family (active, opened while living) may go back to preserving when they close it again. A
memorial activated after a death never goes back."""

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


def transition_allowed(
    current: str, target: str, *, closing_opened_while_living: bool = False
) -> bool:
    """Whether `current` may become `target`. `closing_opened_while_living`: the move is the
    living subject closing the memorial they opened (the only way from active to preserving)."""
    if current == S.ACTIVE and target == S.PRESERVING:
        return closing_opened_while_living
    return target in ALLOWED_TRANSITIONS[current]
