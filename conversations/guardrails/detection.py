"""Reading a visitor's message for what the guardrails must act on.

`turn_assess` is the one entry point: the conversation pipeline and `bench/safety_eval.py`
both call it. (Interface fixed; the detector behind it is being built.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from conversations.models import Concern


@dataclass(frozen=True)
class Reading:
    """One message on its own: scores from 0 to 1, and the reasons in plain words (for
    tests and the evaluation; never shown to stewards with the message)."""

    crisis: float = 0.0
    fraud: float = 0.0
    disclosure: float = 0.0
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assessment:
    """A turn: the concern the guardrails act on ("" none), the message's own reading, the
    crisis risk carried forward (store it on the conversation with the time), and whether
    the concern comes from a build-up over turns rather than this message alone."""

    concern: str
    reading: Reading
    risk: float
    build_up: bool = False
    topic: str = ""  # the forbidden topic touched, when concern is TOPIC
    reasons: tuple[str, ...] = field(default=())


def turn_assess(
    *,
    text: str,
    carried_risk: float = 0.0,
    hours_since: float = 0.0,
    forbidden_topics: Sequence[str] = (),
) -> Assessment:
    """Assess one visitor message given the crisis risk carried from earlier turns and
    visits (`carried_risk`, as stored `hours_since` ago)."""
    return Assessment(concern=Concern.NONE, reading=Reading(), risk=carried_risk)
