"""Who holds what of a memorial: the registry the kill switch and the export walk.

Each app that stores a memorial's data registers a `DataHolder` in its AppConfig.ready().
Erasure calls every holder's `erase` (in `order`), export every holder's `export`; so a new
kind of data is erased and exported by registering it, not by editing the kill switch.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

logger = logging.getLogger(__name__)


class ExportWriter(Protocol):
    """Where a holder writes its part of the subject's export (paths inside the zip)."""

    def write_json(self, path: str, data: Any) -> None: ...

    def write_bytes(self, path: str, chunks: Iterable[bytes]) -> None: ...


@dataclass(frozen=True)
class DataHolder:
    name: str  # e.g. "corpus.passages"
    label: str  # for people: "passages of your writing"
    count: Callable[[uuid.UUID], int]  # how many items it holds for a memorial
    erase: Callable[[uuid.UUID], int]  # delete them (rows, files, remote copies); how many
    export: Callable[[uuid.UUID, ExportWriter], None] | None = None
    order: int = 100  # erasure order: dependants first (lower runs earlier)


_HOLDERS: dict[str, DataHolder] = {}


def holder_register(holder: DataHolder) -> None:
    _HOLDERS[holder.name] = holder


def holders() -> list[DataHolder]:
    return sorted(_HOLDERS.values(), key=lambda h: (h.order, h.name))


def holder_count(holder: DataHolder, memorial_id: uuid.UUID) -> int | None:
    try:
        return holder.count(memorial_id)
    except Exception:
        logger.exception("data holder %s could not count", holder.name)
        return None


class ErasedCount(int):
    """What a holder's `erase` may return instead of a bare int, to put content-free details
    of remote deletions on the certificate:

        return ErasedCount(2, remote={"provider": "elevenlabs", "deleted": 2, "failed": 0})
    """

    details: dict[str, Any]

    def __new__(cls, value: int, **details: Any) -> ErasedCount:
        count = super().__new__(cls, value)
        count.details = details
        return count
