"""The portrait as the twin is told it: how to write, per register."""

from __future__ import annotations

from twins.models import TwinVersion


def portrait_instructions(*, version: TwinVersion, register: str | None = None) -> str:
    """Plain instructions on how the person writes (in `register`, or in each), with the
    subject's corrections first: a struck phrase is never used, a note is obeyed."""
    return ""
