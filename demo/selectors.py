"""Reads: is this memorial the fictional demo, and is the install still empty."""

from __future__ import annotations

import uuid

from demo.models import DemoMemorial
from memorials.models import Memorial, MemorialState


def memorial_is_demo(*, memorial_id: uuid.UUID | str) -> bool:
    return DemoMemorial.objects.filter(memorial_id=memorial_id).exists()


def install_is_empty() -> bool:
    """No memorial yet (erased ones, tombstones, do not count)."""
    return not Memorial.objects.exclude(state=MemorialState.ERASED).exists()
