"""The subject's own words as the twin reads them: their passages, decrypted, by register,
and the passages' vectors. Every read is gated by the corpus consent.

Vectors come as stored, through the memorial's secret rotation (`corpus.search_keys`): the
rotation is orthogonal, so distances and cosine similarities between them are the model's."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator

import numpy as np

from consent.gate import consent_require
from core.consent import ConsentScope
from core.crypto import MemorialCipher, memorial_cipher
from corpus.models import Passage
from corpus.records import PassageRecord

BATCH = 500
# The columns a PassageRecord is read from.
PASSAGE_FIELDS = (
    "id", "document_id", "position", "text_encrypted", "speaker_encrypted", "is_subject",
    "sent_at", "register",
)  # fmt: skip


def passage_record(
    row: Passage,
    cipher: MemorialCipher,
    *,
    score: float | None = None,
    cosine: float | None = None,
) -> PassageRecord:
    """A stored passage (its PASSAGE_FIELDS loaded), decrypted."""
    return PassageRecord(
        id=row.id,
        document_id=row.document_id,
        position=row.position,
        text=cipher.decrypt_text(row.text_encrypted),
        speaker=cipher.decrypt_text(row.speaker_encrypted),
        is_subject=row.is_subject,
        sent_at=row.sent_at,
        register=row.register,
        score=score,
        cosine=cosine,
    )


def subject_passages(
    *, memorial_id: uuid.UUID | str, registers: Iterable[str] | None = None
) -> Iterator[PassageRecord]:
    """The subject's own passages (not what others wrote to them), oldest document first,
    in reading order, decrypted a batch at a time. Refuses (ConsentRequired) as it is
    called, not when first read."""
    consent_require(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
    return _subject_passages(memorial_id=memorial_id, registers=registers)


def _subject_passages(
    *, memorial_id: uuid.UUID | str, registers: Iterable[str] | None
) -> Iterator[PassageRecord]:
    cipher = memorial_cipher(memorial_id=uuid.UUID(str(memorial_id)))
    passages = Passage.objects.filter(memorial_id=memorial_id, is_subject=True)
    if registers is not None:
        passages = passages.filter(register__in=list(registers))
    ids = list(
        passages.order_by("document__date", "document_id", "position").values_list("id", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = {
            row.id: row
            for row in Passage.objects.filter(memorial_id=memorial_id, id__in=chunk).only(
                *PASSAGE_FIELDS
            )
        }
        for passage_id in chunk:
            row = rows.get(passage_id)
            if row is None:  # deleted since the ids were read
                continue
            yield passage_record(row, cipher)


def subject_passages_count(*, memorial_id: uuid.UUID | str) -> int:
    return Passage.objects.filter(memorial_id=memorial_id, is_subject=True).count()


def passages_by_id(
    *, memorial_id: uuid.UUID | str, passage_ids: Iterable[int]
) -> dict[int, PassageRecord]:
    """These passages of the memorial (any speaker), decrypted; ids no longer there are
    left out (a passage the subject deleted)."""
    consent_require(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
    cipher = memorial_cipher(memorial_id=uuid.UUID(str(memorial_id)))
    rows = Passage.objects.filter(memorial_id=memorial_id, id__in=list(passage_ids)).only(
        *PASSAGE_FIELDS
    )
    return {row.id: passage_record(row, cipher) for row in rows}


def passage_vectors(
    *, memorial_id: uuid.UUID | str, passage_ids: Iterable[int]
) -> dict[int, np.ndarray]:
    """The stored (rotated, unit-norm) vectors of these passages, by id."""
    consent_require(memorial_id=memorial_id, scope=ConsentScope.CORPUS)
    ids = list(passage_ids)
    vectors: dict[int, np.ndarray] = {}
    for start in range(0, len(ids), BATCH):
        for passage_id, embedding in Passage.objects.filter(
            memorial_id=memorial_id, id__in=ids[start : start + BATCH]
        ).values_list("id", "embedding"):
            vectors[passage_id] = np.asarray(embedding, dtype=np.float32)
    return vectors
