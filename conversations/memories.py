"""What the twin remembers of each visitor, as the reply reads it.

`memories_for_reply` gives the memories of this visitor (never another's) that bear on the
message, for the reply's prompt. (Being written: it returns none yet.)"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class MemoryRecord:
    id: int
    text: str  # "My son started school last week", in the visitor's own terms
    about_date: date | None
    created_on: date


def memories_for_reply(
    *, memorial_id: uuid.UUID | str, visitor_id: int, query: str, limit: int = 5
) -> list[MemoryRecord]:
    """This visitor's memories that bear on `query`, best first."""
    return []
