"""Who holds what of a memorial: the registry the kill switch and the export walk.

Each app that stores a memorial's data registers a `DataHolder` in its AppConfig.ready().
Erasure calls every holder's `erase` (in `order`), export every holder's `export`; so a new
kind of data is erased and exported by registering it, not by editing the kill switch.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol


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
