"""The demo's mark on a memorial, for the kill switch (`core.holders`)."""

from __future__ import annotations

import uuid

from core.holders import DataHolder, holder_register
from demo.models import DemoMemorial


def _marks_count(memorial_id: uuid.UUID) -> int:
    return DemoMemorial.objects.filter(memorial_id=memorial_id).count()


def _marks_erase(memorial_id: uuid.UUID) -> int:
    deleted, _ = DemoMemorial.objects.filter(memorial_id=memorial_id).delete()
    return deleted


def demo_holders_register() -> None:
    holder_register(DataHolder(
        name="demo.mark",
        label="the mark saying this memorial is a fictional demo",
        count=_marks_count, erase=_marks_erase,
    ))  # fmt: skip
