"""Cards that the feature apps above `memorials` put on the memorial page.

The memorial page cannot import the apps built on it (the twin, conversations...), so each
registers a `MemorialPanel` in its AppConfig.ready(): a template and a function that gives
its context for one member, or None when that member should not see it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from memorials.models import Membership


@dataclass(frozen=True)
class MemorialPanel:
    name: str
    template: str
    context: Callable[[Membership], dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class RenderedPanel:
    name: str
    template: str
    context: dict[str, Any]


_PANELS: dict[str, MemorialPanel] = {}


def panel_register(panel: MemorialPanel) -> None:
    _PANELS[panel.name] = panel


def memorial_panels(*, membership: Membership) -> list[RenderedPanel]:
    """The panels this member sees, in order, each with its context."""
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        context = panel.context(membership)
        if context is not None:
            shown.append(RenderedPanel(panel.name, panel.template, context))
    return shown
