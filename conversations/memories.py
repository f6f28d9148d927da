"""What the twin remembers of each visitor, as the reply and the visitor's own page read it.

`memories_for_reply` gives the memories of this visitor (never another's) that bear on the
message, for the reply's prompt. A visitor has few memories (tens, a few hundred at most),
so they are decrypted and ranked here, in Python, against the message's embedding: their
text and vectors stay encrypted at rest, with the memorial's key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.utils import dateformat, timezone

from conversations.models import VisitorMemory
from conversations.remembering.drafts import KnownMemory
from core.crypto import MemorialCipher, memorial_cipher
from corpus.embeddings import EMBEDDING_DIMENSIONS, embed_query
from twins.providers.offline import content_words

# A memory whose embedding is at least this close to the message bears on it; those that do
# not still fill the remaining places, newest first, so the twin knows how the visitor is.
BEARING_COSINE = 0.35
WORD_WEIGHT = 0.1  # each content word shared with the message, on top of the cosine


def about_label(about: date | None, precision: str) -> str:
    """When it happened, as precisely as the visitor's words said it: "25 November 2026",
    "the week of 25 November 2026", "March 2026", "2025"; "" when they did not say."""
    if about is None:
        return ""
    if precision == "year":
        return str(about.year)
    if precision == "month":
        return dateformat.format(about, "F Y")
    day = dateformat.format(about, "j F Y")
    return f"the week of {day}" if precision == "week" else day


@dataclass(frozen=True)
class MemoryRecord:
    id: int
    text: str  # "My son started school last week", in the visitor's own terms
    about_date: date | None
    created_on: date
    about_precision: str = "day"  # how precisely the visitor placed it: day, week, month, year

    @property
    def about(self) -> str:
        return about_label(self.about_date, self.about_precision)


@dataclass(frozen=True)
class MemoryView:
    """A memory as the visitor's page shows it."""

    id: int
    text: str
    about_date: date | None
    about_precision: str
    created_at: object
    corrected: bool

    @property
    def about(self) -> str:
        return about_label(self.about_date, self.about_precision)

    def export(self) -> dict[str, object]:
        """As a download holds it, for the visitor (or the subject, of their own)."""
        return {
            "text": self.text,
            "about_date": self.about_date,
            "about": self.about,
            "remembered_at": self.created_at,
            "corrected_by_you": self.corrected,
        }


def memory_vector_decode(cipher: MemorialCipher, token: bytes | None) -> np.ndarray | None:
    if not token:
        return None
    vector = np.frombuffer(cipher.decrypt(bytes(token)), dtype=np.float32)
    return vector if vector.shape == (EMBEDDING_DIMENSIONS,) else None


def _memories(memorial_id: uuid.UUID | str, visitor_id: uuid.UUID | str) -> list[VisitorMemory]:
    mine = VisitorMemory.objects.filter(
        memorial_id=memorial_id, visitor_id=uuid.UUID(str(visitor_id))
    )
    return list(mine.order_by("-created_at", "-id"))


def known_memories(
    *, memorial_id: uuid.UUID | str, visitor_id: uuid.UUID | str
) -> list[KnownMemory]:
    """This visitor's memories, decrypted, for de-duplication."""
    cipher = memorial_cipher(memorial_id=uuid.UUID(str(memorial_id)))
    return [
        KnownMemory(
            cipher.decrypt_text(bytes(memory.text_encrypted)),
            memory.about_date,
            memory_vector_decode(cipher, memory.vector_encrypted),
        )
        for memory in _memories(memorial_id, visitor_id)
    ]


RANKED_FIELDS = (
    "id", "text_encrypted", "vector_encrypted", "about_date", "about_precision", "created_at"
)  # fmt: skip


def memories_for_reply(
    *, memorial_id: uuid.UUID | str, visitor_id: uuid.UUID | str, query: str, limit: int = 5
) -> list[MemoryRecord]:
    """This visitor's memories that bear on `query`, best first, then their newest others,
    `limit` in all. Only ever this visitor's: the filter is on their id and this memorial."""
    if limit <= 0:
        return []
    rows = (  # only what ranking needs, as tuples: a visitor may have hundreds
        VisitorMemory.objects.filter(memorial_id=memorial_id, visitor_id=uuid.UUID(str(visitor_id)))
        .order_by("-created_at", "-id")
        .values_list(*RANKED_FIELDS)
    )
    cipher = memorial_cipher(memorial_id=uuid.UUID(str(memorial_id)))
    query_vector = embed_query(query) if query.strip() else None
    query_words = content_words(query)
    scored: list[tuple[float, int, MemoryRecord]] = []
    for order, (pk, text_token, vector_token, about_date, precision, created_at) in enumerate(
        rows  # newest first
    ):
        text = cipher.decrypt_text(bytes(text_token))
        vector = memory_vector_decode(cipher, vector_token)
        score = 0.0
        if query_vector is not None and vector is not None:
            score = float(np.dot(query_vector, vector))
        score += WORD_WEIGHT * len(query_words & content_words(text))
        record = MemoryRecord(
            id=pk,
            text=text,
            about_date=about_date,
            created_on=timezone.localdate(created_at),
            about_precision=precision,
        )
        scored.append((score, order, record))
    bearing = sorted(
        (item for item in scored if item[0] >= BEARING_COSINE), key=lambda item: -item[0]
    )
    others = [item for item in scored if item[0] < BEARING_COSINE]  # already newest first
    return [record for _, _, record in (bearing + others)[:limit]]


def memories_of_visitor(
    *, memorial_id: uuid.UUID | str, visitor_id: uuid.UUID | str
) -> list[MemoryView]:
    """Everything the twin remembers of this visitor, newest first, for their own page."""
    cipher = memorial_cipher(memorial_id=uuid.UUID(str(memorial_id)))
    return [
        MemoryView(
            id=memory.pk,
            text=cipher.decrypt_text(bytes(memory.text_encrypted)),
            about_date=memory.about_date,
            about_precision=memory.about_precision,
            created_at=memory.created_at,
            corrected=memory.corrected,
        )
        for memory in _memories(memorial_id, visitor_id)
    ]
