"""Favourite words and phrases: what a register says again and again, more than the
other registers do (so not just the commonest words)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from twins.portrait.text import STOPWORDS, sentences_of, words_of

BOILERPLATE_SHARE = 0.9


def _terms(text: str) -> tuple[list[str], list[str]]:
    """Content words, and 2-3 word phrases within a sentence holding a content word."""
    words: list[str] = []
    phrases: list[str] = []
    for sentence in sentences_of(text):
        tokens = [w.casefold().replace("\u2019", "'") for w in words_of(sentence)]
        words.extend(t for t in tokens if t not in STOPWORDS and len(t) > 2)
        for size in (2, 3):
            for i in range(len(tokens) - size + 1):
                gram = tokens[i : i + size]
                if any(t not in STOPWORDS for t in gram) and gram[-1] not in {"the", "a", "and"}:
                    phrases.append(" ".join(gram))
    return words, phrases


@dataclass
class TermCounts:
    """How many of a register's messages use each word and phrase (a word in one long
    letter counts once: a favourite is something said again and again)."""

    messages: int = 0
    words: Counter[str] = field(default_factory=Counter)
    phrases: Counter[str] = field(default_factory=Counter)


def term_counts(messages: Sequence[str]) -> TermCounts:
    counts = TermCounts()
    for text in messages:
        words, phrases = _terms(text)
        counts.messages += 1
        counts.words.update(set(words))
        counts.phrases.update(set(phrases))
    return counts


def _log_odds(
    terms: Iterable[str], mine: Counter[str], others: Counter[str], *, prior_mass: float = 10.0
) -> dict[str, float]:
    """Log-odds ratio with an informative Dirichlet prior, as a z-score (Monroe, Colaresi &
    Quinn 2008, "Fightin' Words"): how much more this register uses a term than the others,
    shrunk towards zero for rare terms. The prior is both sides pooled, scaled to be worth
    `prior_mass` counts in all (a weak prior: a register may hold only a dozen messages)."""
    pooled = mine + others
    pooled_total = sum(pooled.values()) or 1
    n_mine, n_others = sum(mine.values()), sum(others.values())
    scores: dict[str, float] = {}
    for term in terms:
        a = prior_mass * pooled[term] / pooled_total
        y_i, y_j = mine[term], others[term]
        delta = math.log((y_i + a) / (n_mine + prior_mass - y_i - a)) - math.log(
            (y_j + a) / (n_others + prior_mass - y_j - a)
        )
        scores[term] = delta / math.sqrt(1.0 / (y_i + a) + 1.0 / (y_j + a))
    return scores


def favourites(
    counts_by_register: dict[str, TermCounts], *, n_words: int = 8, n_phrases: int = 6
) -> dict[str, dict[str, list[list[Any]]]]:
    """Each register's favourite words and phrases: used in several of its messages (at
    least 3, or a tenth of them when there are many) and, when there are other registers,
    more there than in them (log-odds z above 1). With one register, the most widely used.
    A term in nearly every message of a register (nine in ten, of ten or more) is left out:
    that is a signature or a footer ("Senior Hydrologist, Fenmoor Water Board"), not a habit
    of speech."""
    result: dict[str, dict[str, list[list[Any]]]] = {}
    for register, counts in counts_by_register.items():
        floor = max(3, counts.messages // 10) if counts.messages >= 10 else 2
        ceiling = BOILERPLATE_SHARE * counts.messages if counts.messages >= 10 else math.inf
        others = [c for r, c in counts_by_register.items() if r != register]
        picked: dict[str, list[list[Any]]] = {}
        for kind, limit in (("words", n_words), ("phrases", n_phrases)):
            mine: Counter[str] = getattr(counts, kind)
            frequent = Counter({t: c for t, c in mine.items() if floor <= c < ceiling})
            if others and frequent:
                rest: Counter[str] = Counter()
                for other in others:
                    rest.update(getattr(other, kind))
                z = _log_odds(frequent, mine, rest)
                ranked = sorted((t for t in frequent if z[t] > 1.0), key=lambda t: -z[t])
            else:
                ranked = [t for t, _ in frequent.most_common()]
            if kind == "phrases":
                ranked = _drop_overlaps(ranked, mine)
            picked[kind] = [[term, mine[term]] for term in ranked[:limit]]
        result[register] = {"words": picked["words"], "phrases": picked["phrases"]}
    return result


def _drop_overlaps(ranked: list[str], counts: Counter[str]) -> list[str]:
    """One habit, one phrase: a phrase inside a longer candidate used nearly as often
    ("love you" in "love you x") gives way to it, and a phrase inside one already kept
    is dropped."""
    candidates = set(ranked)
    kept: list[str] = []
    for phrase in ranked:
        padded = f" {phrase} "
        longer = [c for c in candidates if c != phrase and padded in f" {c} "]
        if any(counts[c] >= 0.8 * counts[phrase] for c in longer):
            continue
        if any(padded in f" {k} " or f" {k} " in padded for k in kept):
            continue
        kept.append(phrase)
    return kept
