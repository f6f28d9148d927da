"""What the twin remembers of each visitor, as the reply and the visitor's own page read it.

`memories_for_reply` gives the memories of this visitor (never another's) that bear on the
message, for the reply's prompt. A visitor has few memories (tens, a few hundred at most),
so they are decrypted and ranked here, in Python, against the message's embedding: their
text and vectors stay encrypted at rest, with the memorial's key (decrypted, they are kept
in the worker's memory between a visitor's messages, and forgotten a quarter of an hour
after their last, or as soon as they are erased or deleted: see `_kept` and
`conversations.forgetting`)."""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import dateformat, timezone

from conversations.models import VisitorMemory
from conversations.remembering.drafts import KnownMemory
from core.crypto import MemorialCipher, memorial_cipher
from core.queries import compiled_rows
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


@dataclass(frozen=True)
class _Decoded:
    """One memory as ranking needs it, decrypted once for a visit (see `_kept`)."""

    version: tuple[str, str]  # its keyed hash and last change: a correction changes both
    text: str
    vector: np.ndarray | None
    words: frozenset[str]
    about_date: date | None
    about_precision: str
    created_on: date

    def record(self, pk: int) -> MemoryRecord:
        return MemoryRecord(
            id=pk,
            text=self.text,
            about_date=self.about_date,
            created_on=self.created_on,
            about_precision=self.about_precision,
        )


# The memories of the visitors talking now, decrypted, kept in this process between their
# messages (a visitor may have hundreds; decrypting and reading them all took ~20 ms a
# reply). Each reply still reads which memories the visitor has now, and their versions, and
# decrypts only the new or corrected ones; what it did not read (a memory deleted, a
# visitor gone) is forgotten then, and a visit left for KEPT_SECONDS is forgotten whole.
# A memory deleted by its visitor, and a memorial's memories erased, are dropped at once in
# every worker that runs replies (`conversations.forgetting`).
KEPT_VISITORS = 64
KEPT_SECONDS = 15 * 60
_kept: OrderedDict[tuple[str, str], tuple[float, dict[int, _Decoded]]] = OrderedDict()
_kept_lock = threading.Lock()


def _kept_take(key: tuple[str, str]) -> dict[int, _Decoded]:
    now = time.monotonic()
    with _kept_lock:
        for stale in [k for k, (at, _) in _kept.items() if now - at > KEPT_SECONDS]:
            del _kept[stale]
        return dict(_kept[key][1]) if key in _kept else {}


def _kept_put(key: tuple[str, str], decoded: dict[int, _Decoded]) -> None:
    with _kept_lock:
        _kept[key] = (time.monotonic(), decoded)
        _kept.move_to_end(key)
        while len(_kept) > KEPT_VISITORS:
            _kept.popitem(last=False)


def memories_kept_forget(
    *, memorial_id: uuid.UUID | str, visitor_id: uuid.UUID | str | None
) -> int:
    """Drop from this process's `_kept` what it holds of the memorial (of one visitor when
    `visitor_id` is given, of all otherwise); how many visitors' memories it dropped. Called
    in each worker when memories are erased or deleted (`conversations.forgetting`)."""
    memorial = str(memorial_id)
    with _kept_lock:
        gone = [
            key for key in _kept
            if key[0] == memorial and (visitor_id is None or key[1] == str(visitor_id))
        ]  # fmt: skip
        for key in gone:
            del _kept[key]
    return len(gone)


def _decoded_memories(
    *,
    memorial_id: uuid.UUID | str,
    visitor_id: uuid.UUID,
    versions: dict[int, tuple[str, str]],
) -> dict[int, _Decoded]:
    """The memories `versions` names (id: version, as just read), decrypted: those kept at
    that version reused, the others read and decrypted in one query."""
    key = (str(memorial_id), str(visitor_id))
    kept = _kept_take(key)
    decoded = {}
    for pk, version in versions.items():
        if (memory := kept.get(pk)) is not None and memory.version == version:
            decoded[pk] = memory
    missing = [pk for pk in versions if pk not in decoded]
    if missing:
        cipher = memorial_cipher(memorial_id=uuid.UUID(str(memorial_id)))
        rows = (
            VisitorMemory.objects.filter(
                pk__in=missing, memorial_id=memorial_id, visitor_id=visitor_id
            )
            .annotate(changed=_CHANGED)
            .values_list(
                "id",
                "text_encrypted",
                "vector_encrypted",
                "memory_key",
                "changed",
                "about_date",
                "about_precision",
                "created_at",
            )
        )
        for row in rows:
            pk, text_token, vector_token, hashed, changed = row[:5]
            about_date, about_precision, created_at = row[5], row[6], row[7]
            text = cipher.decrypt_text(bytes(text_token))
            decoded[pk] = _Decoded(
                version=(hashed, changed),
                text=text,
                vector=memory_vector_decode(cipher, vector_token),
                words=frozenset(content_words(text)),
                about_date=about_date,
                about_precision=about_precision,
                created_on=timezone.localdate(created_at),
            )
    _kept_put(key, decoded)
    return decoded


# A memory's last change as Postgres writes it, only ever compared: each reply reads it for
# every memory of the visitor, and a timestamp made into a datetime cost ~5 us each in Python.
_CHANGED = Cast("updated_at", TextField())


def _versions_of(memorial_id: uuid.UUID, visitor_id: uuid.UUID) -> QuerySet[Any]:
    return (
        VisitorMemory.objects.filter(memorial_id=memorial_id)
        .filter(visitor_id=visitor_id)
        .order_by("-created_at", "-id")
        .annotate(changed=_CHANGED)
        .values_list("id", "memory_key", "changed")
    )


def memories_for_reply(
    *, memorial_id: uuid.UUID | str, visitor_id: uuid.UUID | str, query: str, limit: int = 5
) -> list[MemoryRecord]:
    """This visitor's memories that bear on `query`, best first, then their newest others,
    `limit` in all. Only ever this visitor's: the filter is on their id and this memorial.
    Their texts and vectors are decrypted once for a visit, in this process (`_kept`)."""
    if limit <= 0:
        return []
    visitor = uuid.UUID(str(visitor_id))
    # which memories they have now, newest first, and their versions (compiled once)
    rows = compiled_rows(
        _versions_of, (uuid.UUID(int=0), uuid.UUID(int=1)), [uuid.UUID(str(memorial_id)), visitor]
    )
    decoded = _decoded_memories(
        memorial_id=memorial_id,
        visitor_id=visitor,
        versions={pk: (hashed, changed) for pk, hashed, changed in rows},
    )
    memories = [(pk, memory) for pk, *_ in rows if (memory := decoded.get(pk)) is not None]
    if not memories:  # none, or all deleted between the two reads
        return []
    query_vector = embed_query(query) if query.strip() else None
    query_words = content_words(query)
    scores = np.array(
        [WORD_WEIGHT * len(query_words & memory.words) for _, memory in memories],
        dtype=np.float64,
    )
    with_vector = [n for n, (_, memory) in enumerate(memories) if memory.vector is not None]
    if query_vector is not None and with_vector:
        vectors = np.stack([memories[n][1].vector for n in with_vector])  # type: ignore[misc]
        scores[with_vector] += vectors @ query_vector
    # Those that bear on the message, best first, then the others, newest first (`rows`'s
    # order); a stable sort keeps that order among equal scores.
    bearing = [n for n in np.argsort(-scores, kind="stable") if scores[n] >= BEARING_COSINE]
    others = [n for n in range(len(memories)) if scores[n] < BEARING_COSINE]
    return [memories[n][1].record(memories[n][0]) for n in (bearing + others)[:limit]]


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
