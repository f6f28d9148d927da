"""A passage as the code outside the database reads it: decrypted, with what each reader needs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PassageRecord:
    """One passage of a memorial, decrypted. The subject's pages show it with its document's
    title (`document_title`); retrieval gives it its fused `score` and leaves the title
    unread (None)."""

    id: int
    document_id: uuid.UUID
    position: int
    text: str
    speaker: str
    is_subject: bool
    sent_at: datetime | None
    register: str
    document_title: str | None = None
    score: float | None = None
