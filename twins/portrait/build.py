"""The portrait step of a twin build."""

from __future__ import annotations

from twins.models import TwinVersion
from twins.steps import StepProgress


def portrait_build(*, version: TwinVersion, progress: StepProgress) -> None:
    """Measure each register's style from the subject's passages and store one
    StylePortrait per register, inside `progress.committing()`."""
    raise NotImplementedError("the style portrait is being written")
