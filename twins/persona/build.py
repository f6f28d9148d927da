"""The persona step of a twin build."""

from __future__ import annotations

from twins.models import TwinVersion
from twins.steps import StepProgress


def persona_build(*, version: TwinVersion, progress: StepProgress) -> None:
    """Distil the persona pack (facts with their passages, exemplars per register) and store
    it inside `progress.committing()`."""
    raise NotImplementedError("the persona pack is being written")
