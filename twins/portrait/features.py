"""How someone writes, measured: pure functions from messages (plain strings) to features.

No database, no model: the same text always gives the same numbers, so the portrait, the
fidelity report and the tests share them. Every rate is per 100 words, so registers with
more writing are not "more" of anything. Each group of features says what it is based on
(messages, words or sentences), so the page can say so.

A *message* is one thing the person sent: a letter, an email, a chat turn (see
`messages_group`). Favourite words and phrases are found by comparing registers
(`twins.portrait.favourites`), because "distinctive" means nothing on one text
alone.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from corpus.records import PassageRecord
from twins.portrait.favourites import favourites, term_counts
from twins.portrait.text import sentences_of, word_set, words_of

FEATURES_VERSION = 1

# Words: letters with inner apostrophes ("don't", "o'clock"); digits are not words here.
_EMOJI = re.compile(
    "[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f000-\U0001f2ff\U00002b50\U00002b55"
    "\U0000231a-\U0000231b\U000023e9-\U000023fa\U0001f900-\U0001f9ff]"
)
# Emoticons stand apart, after a space or at the start: "(see page 8)" is not "8)".
_EMOTICON = re.compile(r"(?:^|(?<=\s))(?:[:;=][-^']?[()DPpOo3/\\|*]|<3|\^_\^|xD)(?!\w)")
_ELLIPSIS = re.compile(r"\.{3,}|\u2026")
_DASH = re.compile(r"(?<=\s)[-\u2013\u2014](?=\s)|--+|\u2014|\u2013")


# Hedges: phrases that soften a claim. Multi-word ones are matched as phrases.
HEDGES = (
    "maybe", "perhaps", "probably", "possibly", "presumably", "apparently", "i think",
    "i guess", "i suppose", "i believe", "i feel like", "i imagine", "i suspect", "i fancy",
    "i reckon", "i'm not sure", "not sure", "kind of", "sort of", "kinda", "sorta", "might",
    "seems", "seem to", "somewhat", "likely", "could be", "i wonder", "more or less",
)  # fmt: skip
_HEDGE_ALTERNATIVES = "|".join(re.escape(h).replace("'", "['\u2019]") for h in HEDGES)
_HEDGE = re.compile(rf"(?<![\w'])(?:{_HEDGE_ALTERNATIVES})(?![\w'])", re.IGNORECASE)
# Words of chat and casual talk (lower-cased). Spelled-out forms only: a transparent list.
INFORMAL_WORDS = word_set(
    """
    lol lmao rofl haha hahaha hehe yeah yea yep yup nope nah ok okay hey hi hiya cool awesome
    stuff guys gonna wanna gotta kinda sorta dunno ya u ur thx thanks btw omg fyi pls plz cuz
    cos coz damn crap wow oops yay ugh hmm mmm em gosh folks buddy dude mate cheers xoxo xx
    bye anyways anyway totally super pretty
    """
)
_CONTRACTION = re.compile(r"[^\W\d_]+['\u2019](?:t|s|m|re|ve|ll|d)\b", re.IGNORECASE)
SECOND_PERSON = frozenset({"you", "your", "yours", "yourself", "yourselves", "ya", "u", "ur"})
LONG_WORD = 7  # letters: a word this long or longer counts as long

MATTR_WINDOW = 50


@dataclass(frozen=True)
class Message:
    """One thing the person sent, as text, with where it came from."""

    text: str
    document_id: Any = None
    sent_at: datetime | None = None
    register: str = ""
    passage_ids: tuple[int, ...] = field(default=())


def messages_group(passages: Iterable[PassageRecord]) -> list[Message]:
    """The person's passages (in reading order) as messages: consecutive passages of one
    document with the same `sent_at` are one message. A letter or an email's passages all
    carry its date, so it is one message; each chat turn has its own time, so it is one (a
    turn already joins the consecutive lines one person sent together). A document without
    any date is one message."""
    messages: list[Message] = []
    texts: list[str] = []
    ids: list[int] = []
    key: tuple[Any, Any] | None = None
    first: PassageRecord | None = None

    def close() -> None:
        if first is not None and texts:
            messages.append(
                Message(
                    text="\n\n".join(texts),
                    document_id=first.document_id,
                    sent_at=first.sent_at,
                    register=first.register,
                    passage_ids=tuple(ids),
                )
            )

    for passage in passages:
        this = (passage.document_id, passage.sent_at)
        if this != key:
            close()
            texts, ids, key, first = [], [], this, passage
        texts.append(passage.text)
        ids.append(passage.id)
    close()
    return messages


# --- small measures -----------------------------------------------------------------------


def per_100(count: float, words: int) -> float:
    return round(100.0 * count / words, 3) if words else 0.0


def mattr(tokens: Sequence[str], window: int = MATTR_WINDOW) -> float:
    """Moving-average type/token ratio (Covington & McFall 2010): the share of different
    words in every window of `window` words, averaged. Unlike the plain type/token ratio it
    does not fall as a text grows. Below one window it is the plain ratio."""
    if not tokens:
        return 0.0
    if len(tokens) <= window:
        return round(len(set(tokens)) / len(tokens), 4)
    counts = Counter(tokens[:window])
    total = len(counts)
    for start in range(1, len(tokens) - window + 1):
        gone, new = tokens[start - 1], tokens[start + window - 1]
        counts[gone] -= 1
        if counts[gone] == 0:
            del counts[gone]
        counts[new] += 1
        total += len(counts)
    return round(total / (len(tokens) - window + 1) / window, 4)


def _line_key(line: str) -> str:
    return " ".join(words_of(line.casefold()))


def _tidy_line(line: str) -> str:
    return re.sub(r"[\s\-\u2013\u2014,.:;!]+$", "", line.strip()).strip()


GREETING_WORDS = word_set(
    """
    dear dearest my hi hello hey hiya howdy greetings good morning evening afternoon sir
    madam darling
    """
)


def opening_of(text: str) -> str | None:
    """The greeting a message opens with: its first line when short and more follows
    ("Dear George,", "Hi all"), or the words before the first comma or dash when they
    start with a greeting ("My dear Reynolds--I will...", "Hi love, ...")."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    first = lines[0].strip()
    tidy = _tidy_line(first)
    if len(lines) > 1 and 1 <= len(words_of(tidy)) <= 5:
        return tidy
    head = _tidy_line(re.split(r",|--|\u2014|\s-\s", first, maxsplit=1)[0])
    head_words = words_of(head)
    if 1 <= len(head_words) <= 5 and head_words[0].casefold() in GREETING_WORDS and head != tidy:
        return head
    return None


def signoff_of(text: str) -> str | None:
    """How a message ends: its last line when short ("love, G", "Yours ever, John Keats"),
    joined to the line before it when that is a short closing too ("Your affectionate
    Brother" / "John")."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    last = _tidy_line(lines[-1])
    if not 1 <= len(words_of(last)) <= 5:
        return None
    before = lines[-2]
    if len(words_of(before)) <= 4 and not re.search(r"[.!?]$", before):
        return f"{_tidy_line(before)}, {last}"
    return last


def hedges_in(text: str) -> list[str]:
    return [match.group(0).casefold().replace("\u2019", "'") for match in _HEDGE.finditer(text)]


def emoji_in(text: str) -> list[str]:
    return _EMOJI.findall(text) + _EMOTICON.findall(text)


def formality_parts(text: str, *, words: list[str] | None = None) -> dict[str, float]:
    """The parts of the formality score, each per 100 words (long words as a share)."""
    words = words if words is not None else words_of(text)
    n = len(words)
    lowered = [w.casefold() for w in words]
    sentences = sentences_of(text)
    return {
        "contractions": per_100(len(_CONTRACTION.findall(text)), n),
        "informal_words": per_100(sum(w in INFORMAL_WORDS for w in lowered), n),
        "exclamations": per_100(text.count("!"), n),
        "second_person": per_100(sum(w in SECOND_PERSON for w in lowered), n),
        "lowercase_i": per_100(sum(w == "i" for w in words), n),
        "emoji": per_100(len(emoji_in(text)), n),
        "long_words_share": round(sum(len(w) >= LONG_WORD for w in words) / n, 4) if n else 0.0,
        "sentence_words": round(n / len(sentences), 2) if sentences else 0.0,
    }


def formality_score(parts: dict[str, float]) -> float:
    """0 (chat with a friend) to 100 (a legal notice), from `formality_parts`, by a fixed,
    readable sum: long words and long sentences push it up; contractions, chat words,
    exclamations, "you", a lower-case "i" and emoji pull it down. The weights were set by
    hand from what each sign means, then checked (not fitted) against emails people rated
    for formality (tests/twins/test_portrait_features.py)."""
    raw = (
        1.2 * 100 * parts["long_words_share"]  # 20 % long words: +24
        + 0.8 * min(parts["sentence_words"], 40)  # 20 words a sentence: +16
        - 2.0 * parts["contractions"]
        - 3.0 * parts["informal_words"]
        - 2.0 * min(parts["exclamations"], 10)
        - 0.6 * parts["second_person"]
        - 5.0 * min(parts["lowercase_i"], 5)
        - 3.0 * min(parts["emoji"], 10)
    )
    return round(max(0.0, min(100.0, 20.0 + raw)), 1)


# --- one register's features ----------------------------------------------------------------


def _top(counter: Counter[str], n: int, *, at_least: int = 1) -> list[list[Any]]:
    return [[item, count] for item, count in counter.most_common(n) if count >= at_least]


def _common_lines(lines: list[str | None], n: int = 3) -> list[list[Any]]:
    """The commonest lines used at least twice, compared without case or punctuation,
    shown as first written."""
    shown: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for line in lines:
        if not line:
            continue
        key = _line_key(line)
        shown.setdefault(key, line)
        counts[key] += 1
    return [[shown[key], count] for key, count in counts.most_common(n) if count >= 2]


def style_features(messages: Sequence[str]) -> dict[str, Any]:
    """The style of these messages (one register's, or a set of replies), pooled: rates are
    over all their words together. Favourite words are added by `favourites`."""
    texts = [m for m in messages if m and m.strip()]
    all_text = "\n\n".join(texts)
    words = words_of(all_text)
    n_words = len(words)
    sentences = [s for t in texts for s in sentences_of(t)]
    sentence_lengths = [len(words_of(s)) for s in sentences]
    message_lengths = [len(words_of(t)) for t in texts]
    hedges = Counter(h for t in texts for h in hedges_in(t))
    emoji = Counter(e for t in texts for e in emoji_in(t))
    parts = formality_parts(all_text, words=words)
    lettered = [t for t in texts if any(c.isalpha() for c in t)]
    lowercase = sum(t == t.lower() for t in lettered)
    caps_words = sum(len(w) >= 2 and w.isupper() and w != "I" for w in words)
    return {
        "version": FEATURES_VERSION,
        "based_on": {"messages": len(texts), "words": n_words, "sentences": len(sentences)},
        "sentence_length": {
            "mean": round(statistics.fmean(sentence_lengths), 2) if sentence_lengths else 0.0,
            "median": statistics.median(sentence_lengths) if sentence_lengths else 0,
            "based_on": "sentences",
        },
        "hedging": {"per_100_words": per_100(sum(hedges.values()), n_words),
                    "top": _top(hedges, 5), "based_on": "words"},
        "formality": {"score": formality_score(parts), "parts": parts, "based_on": "words"},
        "vocabulary": {"mattr": mattr([w.casefold() for w in words]), "window": MATTR_WINDOW,
                       "based_on": "words"},
        "openings": _common_lines([opening_of(t) for t in texts]),
        "signoffs": _common_lines([signoff_of(t) for t in texts]),
        "emoji": {"per_100_words": per_100(sum(emoji.values()), n_words), "top": _top(emoji, 5),
                  "based_on": "words"},
        "punctuation": {
            "exclamation": per_100(all_text.count("!"), n_words),
            "question": per_100(all_text.count("?"), n_words),
            "ellipsis": per_100(len(_ELLIPSIS.findall(all_text)), n_words),
            "dash": per_100(len(_DASH.findall(all_text)), n_words),
            "semicolon": per_100(all_text.count(";"), n_words),
            "comma": per_100(all_text.count(","), n_words),
            "based_on": "words",
        },
        "capitalisation": {
            "lowercase_messages_share": round(lowercase / len(lettered), 4) if lettered else 0.0,
            "all_caps_words_per_100": per_100(caps_words, n_words),
            "based_on": "messages",
        },
        "message_length": {
            "median_words": statistics.median(message_lengths) if message_lengths else 0,
            "mean_words": round(statistics.fmean(message_lengths), 1) if message_lengths else 0.0,
            "based_on": "messages",
        },
        "favourite_words": [],
        "favourite_phrases": [],
    }  # fmt: skip


# The numbers compared by the fidelity report's style distance, by path into the features,
# each with the smallest difference worth noticing (its scale never goes below it).
STYLE_VECTOR: tuple[tuple[tuple[str, ...], float], ...] = (
    (("sentence_length", "mean"), 1.0),
    (("hedging", "per_100_words"), 0.1),
    (("formality", "score"), 2.0),
    (("vocabulary", "mattr"), 0.02),
    (("emoji", "per_100_words"), 0.1),
    (("punctuation", "exclamation"), 0.1),
    (("punctuation", "question"), 0.1),
    (("punctuation", "ellipsis"), 0.1),
    (("punctuation", "dash"), 0.1),
    (("punctuation", "semicolon"), 0.1),
    (("punctuation", "comma"), 0.2),
    (("capitalisation", "lowercase_messages_share"), 0.05),
    (("capitalisation", "all_caps_words_per_100"), 0.1),
    (("formality", "parts", "contractions"), 0.1),
    (("formality", "parts", "long_words_share"), 0.01),
)
STYLE_FLOORS = tuple(floor for _, floor in STYLE_VECTOR)


def style_vector(features: dict[str, Any]) -> list[float]:
    values = []
    for path, _ in STYLE_VECTOR:
        node: Any = features
        for key in path:
            node = node[key]
        values.append(float(node))
    return values


def portrait_features(
    messages_by_register: Mapping[str, Sequence[str]],
) -> dict[str, dict[str, Any]]:
    """Every register's features, favourites compared across the registers given."""
    features = {r: style_features(m) for r, m in messages_by_register.items() if m}
    counts = {r: term_counts(messages_by_register[r]) for r in features}
    for register, picked in favourites(counts).items():
        found = features[register]
        # A greeting or sign-off is shown as one; not again as a favourite phrase.
        lines = " | ".join(" ".join(words_of(str(line[0]).casefold()))
                           for line in found["openings"] + found["signoffs"])  # fmt: skip
        found["favourite_words"] = picked["words"]
        found["favourite_phrases"] = [p for p in picked["phrases"] if p[0] not in lines]
    return features
