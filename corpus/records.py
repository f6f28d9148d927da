"""A passage as the code outside the database reads it: decrypted, with what each reader needs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PassageRecord:
    """One passage of a memorial, decrypted. The subject's pages show it with its document's
    title (`document_title`) and what that document is (`document_label`, "WhatsApp chat");
    retrieval gives it its fused `score` and its `cosine` with the query (the stored
    vector's, as `corpus.retrieval.passage_cosines` reads it), and leaves the title unread
    (None) and the label empty."""

    id: int
    document_id: uuid.UUID
    position: int
    text: str
    speaker: str
    is_subject: bool
    sent_at: datetime | None
    register: str
    document_title: str | None = None
    document_label: str = ""
    score: float | None = None
    cosine: float | None = None
