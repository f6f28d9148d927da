"""How a passage becomes its vector: its words embedded, then who said it, when, and the turns
around it added as vectors.

A chat line rarely makes sense alone: retrieval needs the speaker, the date and the lines
before and after it. Embedding all of that with every turn reads each turn three times and
the date and name every time; instead each text is embedded once and the context is summed
in: the passage's words, plus SPEAKER_WEIGHT times the embedding of "Name:", plus DATE_WEIGHT
times the embedding of the date tag (each name and date embedded once), normalised; then
NEIGHBOUR_WEIGHT times each neighbouring turn's vector so made, normalised again.

Measured on LoCoMo dev with bench/locomo_recall.py (turn-level evidence recall@5/10/20 of the
whole hybrid retrieval), int8 model:
- the turn embedded with its date, name and neighbours in the text (before): 0.636 / 0.765 /
  0.830 in float32, ~100 tokens a turn;
- the turn with date and name in the text, neighbours summed at 0.5: 0.641 / 0.754 / 0.818
  (float32), 0.635 / 0.743 / 0.815 (int8), ~35 tokens;
- name in the text, date summed at 0.4: 0.765 @10; neither in the text, name summed at
  0.3 / 0.6 / 0.9: 0.777 / 0.786 / 0.777 @10; as shipped 0.677 / 0.786 / 0.837, ~22 tokens.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from corpus.embeddings import embed_passages
from corpus.passages import PassageDraft, date_tag

SPEAKER_WEIGHT = 0.6
DATE_WEIGHT = 0.4
NEIGHBOUR_WEIGHT = 0.5


def passage_vectors(drafts: Sequence[PassageDraft], batch: range) -> np.ndarray:
    """Unit vectors of drafts[batch] (drafts: a document's passages, in position order),
    shape (len(batch), 384). Neighbours outside the batch are embedded too, so the vectors do
    not depend on where a document is cut into batches."""
    return documents_vectors([(drafts, batch)])[0]


def documents_vectors(parts: Sequence[tuple[Sequence[PassageDraft], range]]) -> list[np.ndarray]:
    """`passage_vectors` of each (drafts, batch), several documents' at once: every text they
    need (words, names, dates) goes to the model in one call, so the short messages of a
    mailbox fill its batches together instead of each running alone."""
    needed = [
        sorted(set(batch) | {n for i in batch for n in drafts[i].neighbours})
        for drafts, batch in parts
    ]
    flat = [drafts[i] for (drafts, _), rows in zip(parts, needed, strict=True) for i in rows]
    words = [draft.embedded_text for draft in flat]
    speakers = sorted({draft.speaker for draft in flat if draft.speaker})
    dates = sorted({date_tag(draft.sent_at) for draft in flat if draft.sent_at})
    embedded = iter(embed_passages([*words, *(name + ":" for name in speakers), *dates]))
    word_vectors = iter([next(embedded) for _ in words])
    speaker_vectors = {name: next(embedded) for name in speakers}
    date_vectors = {tag: next(embedded) for tag in dates}
    vectors = []
    for (drafts, batch), rows in zip(parts, needed, strict=True):
        own: dict[int, np.ndarray] = {}
        for i in rows:
            draft, vector = drafts[i], next(word_vectors)
            if draft.speaker:
                vector = _unit(vector + SPEAKER_WEIGHT * speaker_vectors[draft.speaker])
            if draft.sent_at:
                vector = _unit(vector + DATE_WEIGHT * date_vectors[date_tag(draft.sent_at)])
            own[i] = vector
        vectors.append(
            np.stack(
                [
                    _unit(
                        own[i] + NEIGHBOUR_WEIGHT * sum((own[n] for n in drafts[i].neighbours), 0.0)
                    )
                    for i in batch
                ]
            ).astype(np.float32)
        )
    return vectors


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)
