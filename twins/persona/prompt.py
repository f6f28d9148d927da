"""The persona pack as the twin is told it."""

from __future__ import annotations

from twins.models import TwinVersion


def persona_instructions(*, version: TwinVersion) -> str:
    """What the person knows and cares about: the version's facts as the subject reviewed
    them (deleted ones left out, corrected ones in the subject's words), and exemplars."""
    return ""
