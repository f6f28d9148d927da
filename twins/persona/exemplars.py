"""Exemplar passages per register: a few of the subject's own passages that show their range
there, chosen over the passages' vectors to be central (like much of what they write in
that register) and diverse (unlike each other): maximal marginal relevance, starting from
the passage nearest the register's centre."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from corpus.records import PassageRecord

PER_REGISTER = 5
CANDIDATES_MAX = 4000  # per register: an even sample of a very large corpus is enough
MIN_WORDS, MAX_WORDS = 12, 220  # a passage long enough to show a voice, short enough to read
CENTRAL_SHARE = 0.6  # MMR's balance: 1 keeps only central passages, 0 only diverse ones


@dataclass(frozen=True)
class ExemplarChoice:
    register: str
    passage_id: int
    rank: int  # 1 = the most central


def exemplars_choose(
    passages: Sequence[PassageRecord],
    *,
    vectors_of: Callable[[list[int]], dict[int, np.ndarray]],
    per_register: int = PER_REGISTER,
) -> list[ExemplarChoice]:
    """Up to `per_register` passages for each register the subject writes in.
    `vectors_of(ids)` gives the passages' unit vectors by id."""
    by_register: dict[str, list[PassageRecord]] = defaultdict(list)
    for passage in passages:
        by_register[passage.register].append(passage)
    chosen: list[ExemplarChoice] = []
    for register, items in sorted(by_register.items()):
        candidates = _readable(items)
        if len(candidates) > CANDIDATES_MAX:
            step = len(candidates) / CANDIDATES_MAX
            candidates = [candidates[int(n * step)] for n in range(CANDIDATES_MAX)]
        vectors = vectors_of([p.id for p in candidates])
        candidates = [p for p in candidates if p.id in vectors]
        if not candidates:
            continue
        matrix = np.vstack([vectors[p.id] for p in candidates]).astype(np.float32)
        picks = mmr_pick(matrix, count=per_register)
        chosen.extend(
            ExemplarChoice(register=register, passage_id=candidates[index].id, rank=rank)
            for rank, index in enumerate(picks, 1)
        )
    return chosen


def _readable(passages: list[PassageRecord]) -> list[PassageRecord]:
    """Passages of a readable length; when none is, the longest ones there are."""
    fitting = [p for p in passages if MIN_WORDS <= len(p.text.split()) <= MAX_WORDS]
    if fitting:
        return fitting
    return sorted(passages, key=lambda p: -len(p.text.split()))[:CANDIDATES_MAX]


def mmr_pick(matrix: np.ndarray, *, count: int, central_share: float = CENTRAL_SHARE) -> list[int]:
    """Row indices of `matrix` (unit vectors): the most central first, then each the best
    balance of closeness to the centre and distance from those already picked."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit = matrix / np.maximum(norms, 1e-9)
    centre = unit.mean(axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-9)
    centrality = unit @ centre
    picks = [int(np.argmax(centrality))]
    nearest_pick = unit @ unit[picks[0]]
    while len(picks) < min(count, len(unit)):
        score = central_share * centrality - (1 - central_share) * nearest_pick
        score[picks] = -np.inf
        best = int(np.argmax(score))
        picks.append(best)
        nearest_pick = np.maximum(nearest_pick, unit @ unit[best])
    return picks
