"""Word rules: how they are written and applied. The phrases themselves are in `crisis`
(what says it outright, and warning signs that add up) and `asking` (fraud and "is it really
you?"). Figures of speech are taken out first ("this week is killing me"), and a negation
just before a phrase weakens it ("I would never hurt myself" is noted, not alarmed on).

Each rule gives a score from 0 to 1 and a reason."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    score: float
    reason: str


def rule(score: float, reason: str, *phrases: str) -> Rule:
    """A rule matching any of `phrases`: regular expressions over normalised text (lower
    case, one space between words, see `text_normalise`), each a whole-word match."""
    return Rule(re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)"), score, reason)


# Figures of speech that use crisis words: removed before the crisis rules run.
IDIOMS = rule(
    0.0, "figure of speech",
    r"(?:is|are|was|were|'s|'re|been) (?:\w+ )?killing me",
    r"kill(?:ing)? (?:me|myself) (?:laughing|with laughter)",
    r"(?:could|would|nearly|almost|about to|going to|gonna) die (?:of|from|laughing)",
    r"(?:i|we) (?:could|would|nearly|almost) have died (?:when|of|from|laughing)",
    r"die[ds]? (?:of|from) (?:embarrassment|shame|laughter|laughing|boredom|cringe)",
    r"dying (?:to|for|of)",
    r"to die for",
    r"(?:bored|scared|frightened|worried|tickled) to death",
    r"dead (?:tired|on my feet|beat|good|easy|serious|set)",
    r"over my dead body",
    r"kill for (?:a|an|some|one)",
    r"killed it",
    r"(?:could|would|will) (?:have )?kill(?:ed)? (?:him|her|them|you|my \w+)",
    r"drowning in (?:paperwork|work|emails|forms|laundry|admin|bills)",
    r"i (?:nearly|almost) died",
).pattern  # fmt: skip

_NEGATION = re.compile(r"\b(?:not|never|no|nothing like|don't worry)\b|n't\b")
_SEEING = re.compile(r"\b(?:can't|cannot|can not|don't|do not|couldn't) (?:see|find|think of)\b")


# Contractions typed without their apostrophe on a phone ("cant", "dont", "im").
_BARE_CONTRACTIONS = {
    "cant": "can't", "dont": "don't", "wont": "won't", "didnt": "didn't", "doesnt": "doesn't",
    "isnt": "isn't", "wasnt": "wasn't", "werent": "weren't", "wouldnt": "wouldn't",
    "couldnt": "couldn't", "shouldnt": "shouldn't", "havent": "haven't", "hasnt": "hasn't",
    "arent": "aren't", "im": "i'm", "ive": "i've", "youre": "you're", "theyre": "they're",
    "thats": "that's", "whats": "what's", "theres": "there's", "u": "you", "r": "are",
    "ur": "your", "pls": "please", "plz": "please",
}  # fmt: skip
_BARE = re.compile(r"\b(" + "|".join(_BARE_CONTRACTIONS) + r")\b")

# Text-speak and slang spelled out, so the rules and the embedding model (which never saw
# "kms" or "unalive") read the words they stand for. Only forms with no ordinary meaning.
_SLANG = {
    "kms": "kill myself", "kys": "kill yourself", "unalive": "kill", "unalived": "killed",
    "unaliving": "killing", "wanna": "want to", "gonna": "going to", "gotta": "got to",
    "rn": "right now", "tn": "tonight", "2nite": "tonight", "2night": "tonight",
    "tmrw": "tomorrow", "2moro": "tomorrow", "2day": "today", "ngl": "not going to lie",
    "tbh": "to be honest", "idk": "i don't know", "idc": "i don't care", "fr": "for real",
    "every1": "everyone", "some1": "someone", "any1": "anyone", "no1": "no one",
    "ppl": "people", "alot": "a lot", "rly": "really", "srsly": "seriously",
    "cuz": "because", "coz": "because", "bc": "because", "abt": "about", "thru": "through",
    "wud": "would", "cud": "could", "shud": "should", "nite": "night", "luv": "love",
    "nd": "and", "tho": "though", "smth": "something", "nthn": "nothing",
    # Caribbean and West African spellings
    "neva": "never", "cyaan": "can't", "caan": "can't", "nuh": "not", "tek": "take",
    "wid": "with", "dem": "them",
    # Scots
    "a'm": "i'm", "a'll": "i'll", "a've": "i've", "a'd": "i'd", "a'": "i", "intae": "into",
    "wi": "with", "fae": "from", "naebody": "nobody", "naewhere": "nowhere", "nae": "no",
    "telt": "told", "gonnae": "going to", "cannae": "can't",
    "dinnae": "don't", "wouldnae": "wouldn't", "willnae": "won't", "wis": "was",
    "masel": "myself", "needin": "needing", "wantin": "wanting", "lookin": "looking",
    "carvin": "carving", "goin": "going", "nothin": "nothing", "somethin": "something",
}  # fmt: skip
_SLANG_WORDS = re.compile(r"(?<![\w'])(" + "|".join(_SLANG) + r")(?![\w'])")


def text_normalise(text: str) -> str:
    """Lower case, curly quotes straightened, bare contractions given their apostrophe,
    text-speak spelled out (`_SLANG`), spaces squeezed."""
    text = text.casefold().replace("\u2019", "'").replace("\u2018", "'")
    text = _BARE.sub(lambda match: _BARE_CONTRACTIONS[match.group(1)], text)
    text = _SLANG_WORDS.sub(lambda match: _SLANG[match.group(1)], text)
    return re.sub(r"\s+", " ", text).strip()


def idioms_removed(text: str) -> str:
    return IDIOMS.sub(" ", text)


def _negated(text: str, start: int) -> bool:
    """A negation in the few words before `start`, within the same clause ("can't see a way
    out" is despair, not a negation)."""
    before = re.split(r"[.,;!?]|\bbut\b", text[:start])[-1]
    window = " ".join(before.split()[-4:])
    window = _SEEING.sub(" ", window)
    return bool(_NEGATION.search(window))


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence (or sentences) of `text` holding text[start:end]."""
    left = max(text.rfind(mark, 0, start) for mark in ".!?\n")
    rights = [i for i in (text.find(mark, end) for mark in ".!?\n") if i != -1]
    return text[left + 1 : min(rights) if rights else len(text)]


def rules_score(
    rules: tuple[Rule, ...],
    text: str,
    *,
    negation: bool = True,
    unless: re.Pattern[str] | None = None,
) -> tuple[float, list[str]]:
    """The highest score among `rules` matching `text` (normalised) and their reasons. A
    negated match counts a quarter; a match in a sentence that `unless` finds counts for
    nothing."""
    best = 0.0
    reasons = []
    for rule in rules:
        for match in rule.pattern.finditer(text):
            if unless and unless.search(sentence_around(text, match.start(), match.end())):
                continue
            score = rule.score
            if negation and _negated(text, match.start()):
                score *= 0.25
                reasons.append(f"{rule.reason} (negated)")
            else:
                reasons.append(rule.reason)
            best = max(best, score)
    return best, reasons


def rules_sum(rules: tuple[Rule, ...], text: str) -> tuple[float, list[str]]:
    """Build-up signals add: each rule once, negated ones not at all."""
    total = 0.0
    reasons = []
    for rule in rules:
        for match in rule.pattern.finditer(text):
            if _negated(text, match.start()):
                continue
            total += rule.score
            reasons.append(rule.reason)
            break
    return total, reasons
