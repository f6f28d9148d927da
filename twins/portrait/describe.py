"""The portrait in plain words: features (`twins.portrait.features`) -> sentences.

Written to the subject ("you write..."), calm and short. The bands (what counts as "short"
or "often") are fixed here, in one place, so the page and the twin's instructions agree.
"""

from __future__ import annotations

from typing import Any

from corpus.models import Register

REGISTER_PLACES: dict[str, str] = {
    Register.FAMILY.value: "with family",
    Register.FRIENDS.value: "with friends",
    Register.PROFESSIONAL.value: "at work",
    Register.PUBLIC.value: "in public",
}
# How often a habit must show before the page mentions it (per 100 words).
NOTABLE = {"dash": 1.0, "semicolon": 0.4, "exclamation": 0.8, "ellipsis": 0.3, "question": 1.2}
PUNCTUATION_NAMES = {
    "dash": "dashes",
    "semicolon": "semicolons",
    "exclamation": "exclamation marks",
    "ellipsis": "trailing dots (…)",
    "question": "questions",
}


def place(register: str) -> str:
    return REGISTER_PLACES.get(register, register)


def _number(value: float) -> str:
    return f"{round(value):,}" if value >= 10 else f"{value:.1f}".rstrip("0").rstrip(".")


def based_on(features: dict[str, Any]) -> str:
    """'212 messages, 48,000 words'."""
    basis = features["based_on"]
    messages, words = basis["messages"], basis["words"]
    return (
        f"{messages:,} message{'s' if messages != 1 else ''}, "
        f"{words:,} word{'s' if words != 1 else ''}"
    )


def length_words(features: dict[str, Any]) -> str:
    median = features["message_length"]["median_words"]
    if median < 25:
        return f"short notes (about {_number(median)} words)"
    if median < 150:
        return f"messages of a paragraph or two (about {_number(median)} words)"
    return f"long letters (typically {_number(median)} words)"


def sentences_words(features: dict[str, Any]) -> str:
    mean = features["sentence_length"]["mean"]
    kind = "short" if mean < 10 else "middling" if mean < 20 else "long"
    return f"your sentences are {kind} ({_number(mean)} words on average)"


def formality_words(features: dict[str, Any]) -> str:
    score = features["formality"]["score"]
    if score < 30:
        kind = "casual and relaxed"
    elif score < 45:
        kind = "easy-going"
    elif score < 60:
        kind = "fairly formal"
    else:
        kind = "formal"
    return f"your tone is {kind} ({round(score)} out of 100, where chat is near 0)"


def hedging_words(features: dict[str, Any]) -> str:
    rate = features["hedging"]["per_100_words"]
    top = [h for h, _ in features["hedging"]["top"]][:2]
    shown = " and ".join(f"“{h}”" for h in top)
    if rate < 0.3:
        return "you rarely hedge: you say things plainly"
    if rate < 1.0:
        return f"now and then you soften what you say{f' ({shown})' if shown else ''}"
    return f"you often soften what you say{f' ({shown})' if shown else ''}"


def vocabulary_words(features: dict[str, Any]) -> str:
    value = features["vocabulary"]["mattr"]
    if value >= 0.8:
        return "your vocabulary is rich and varied"
    if value >= 0.7:
        return "your vocabulary is varied"
    return "you keep to plain, familiar words"


def habits_words(features: dict[str, Any]) -> list[str]:
    """Punctuation, capitals and emoji worth mentioning, as short phrases."""
    habits = []
    punctuation = features["punctuation"]
    for name, floor in NOTABLE.items():
        if punctuation[name] >= floor:
            habits.append(f"{PUNCTUATION_NAMES[name]} ({_number(punctuation[name])} per 100 words)")
    capitals = features["capitalisation"]
    if capitals["lowercase_messages_share"] >= 0.3:
        share = round(100 * capitals["lowercase_messages_share"])
        habits.append(f"writing all in lower case ({share} % of messages)")
    if capitals["all_caps_words_per_100"] >= 0.5:
        habits.append("CAPITALS for emphasis")
    emoji = features["emoji"]
    if emoji["per_100_words"] >= 0.2:
        favourites = " ".join(e for e, _ in emoji["top"][:3])
        habits.append(f"emoji ({favourites})" if favourites else "emoji")
    return habits


def usual_line(lines: list[list[Any]], messages: int) -> str | None:
    """The usual opening or sign-off, if one recurs (twice, and in a tenth of messages)."""
    if not lines:
        return None
    text, count = lines[0]
    if count >= 2 and count >= messages / 10:
        return str(text)
    return None


def register_sentences(features: dict[str, Any]) -> list[str]:
    """The register described, one idea a sentence, for the page."""
    messages = features["based_on"]["messages"]
    said = [
        f"You write {length_words(features)}; {sentences_words(features)}.",
        f"{formality_words(features).capitalize()}; {hedging_words(features)}.",
        f"{vocabulary_words(features).capitalize()}.",
    ]
    opening = usual_line(features["openings"], messages)
    signoff = usual_line(features["signoffs"], messages)
    if opening and signoff:
        said.append(f"You often open with “{opening}” and sign off “{signoff}”.")
    elif opening:
        said.append(f"You often open with “{opening}”.")
    elif signoff:
        said.append(f"You often sign off “{signoff}”.")
    habits = habits_words(features)
    if habits:
        said.append(f"You like {_listing(habits)}.")
    return said


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# --- comparing registers -------------------------------------------------------------------

_COMPARED = (
    (("hedging", "per_100_words"), "hedge", 0.2),
    (("punctuation", "exclamation"), "use exclamation marks", 0.2),
    (("message_length", "median_words"), "write at length", 5),
    (("sentence_length", "mean"), "write long sentences", 3),
    (("emoji", "per_100_words"), "use emoji", 0.1),
)


def _value(features: dict[str, Any], path: tuple[str, ...]) -> float:
    node: Any = features
    for key in path:
        node = node[key]
    return float(node)


def _times(ratio: float) -> str:
    if ratio >= 2.8:
        return f"{round(ratio)} times as often"
    if ratio >= 1.8:
        return "twice as often" if ratio < 2.3 else "two or three times as often"
    return "half as often again"


def comparisons(features_by_register: dict[str, dict[str, Any]], *, most: int = 4) -> list[str]:
    """Sentences that set registers side by side, strongest differences first: "At work you
    hedge twice as often as with family"; "You are more formal at work (62) than with
    friends (28)". Only differences of half as much again or more, above a small floor."""
    registers = sorted(features_by_register, key=lambda r: list(REGISTER_PLACES).index(r))
    found: list[tuple[float, str]] = []
    for i, a in enumerate(registers):
        for b in registers[i + 1 :]:
            fa, fb = features_by_register[a], features_by_register[b]
            for path, verb, floor in _COMPARED:
                va, vb = _value(fa, path), _value(fb, path)
                high, low, hi_r, lo_r = (va, vb, a, b) if va >= vb else (vb, va, b, a)
                if high < floor:
                    continue
                ratio = high / low if low > 0 else float("inf")
                if ratio < 1.5:
                    continue
                shown = _times(ratio) if ratio != float("inf") else "where you never do"
                if ratio == float("inf"):
                    sentence = f"{place(hi_r).capitalize()} you {verb}; {place(lo_r)} you never do."
                elif verb == "write at length":
                    sentence = (
                        f"{place(hi_r).capitalize()} you write longer messages "
                        f"(about {_number(high)} words) than {place(lo_r)} ({_number(low)})."
                    )
                elif verb == "write long sentences":
                    sentence = (
                        f"{place(hi_r).capitalize()} your sentences run longer "
                        f"({_number(high)} words) than {place(lo_r)} ({_number(low)})."
                    )
                else:
                    sentence = f"{place(hi_r).capitalize()} you {verb} {shown} as {place(lo_r)}."
                found.append((min(ratio, 10.0), sentence))
            sa, sb = fa["formality"]["score"], fb["formality"]["score"]
            if abs(sa - sb) >= 10:
                high_r, low_r = (a, b) if sa > sb else (b, a)
                found.append(
                    (
                        1.5 + abs(sa - sb) / 20,
                        f"You are more formal {place(high_r)} ({round(max(sa, sb))}) "
                        f"than {place(low_r)} ({round(min(sa, sb))}).",
                    )
                )
    found.sort(key=lambda item: -item[0])
    return [sentence for _, sentence in found[:most]]
