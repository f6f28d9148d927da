"""Whether the subject's writing supports an answer: decided here, from retrieval evidence,
before any model is asked.

A question is supported when the passage retrieved for it that bears on it most does so
clearly: its cosine with the question (the passage's stored vector, the one retrieval
searches: its words with their speaker, date and neighbouring turns) plus its word coverage
(the share of the question's content words, names of the people in the conversation left out,
that the passage holds) reaches SUPPORT_MIN. Names are left out because every passage of a
chat is full of them: a question about someone's life that only shares their name with the
writing is not supported by it. The reply then draws on every retrieved passage that bears on
the question at all (BEARING_MIN), best first. The two thresholds were calibrated on the
LoCoMo dev conversations (`bench/twin_grounding.py --dump`, bench/README.md); they are the
same for every memorial.

When no passage supports the question the reply abstains: the model is told that the person
does not remember this and must say so warmly, and the offline responder says it itself.

A question that touches a topic the subject's wishes forbid is declined gently, whatever the
writing holds: no passage is given to the model for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from corpus.embeddings import embed_query
from corpus.records import PassageRecord
from twins.providers.offline import content_words

# Calibrated on ../shared/data/locomo/locomo-dev.json (bench/README.md, twin_grounding.py):
# the strongest passage's cosine + coverage must reach SUPPORT_MIN for an answer; passages
# reaching BEARING_MIN are drawn on.
SUPPORT_MIN = 0.875
BEARING_MIN = 0.30
SUPPORT_MAX = 8  # passages drawn on, best first

ABSTAIN_INSTRUCTION = (
    "For this question: nothing in their writing supports an answer. You do not remember "
    'this. Say so warmly and briefly, in their voice ("I don\'t remember that"), and do '
    "not invent anything, not even a guess."
)
DECLINE_INSTRUCTION = (
    "For this question: it touches {topic}, a subject they asked their twin not to talk "
    "about. Decline gently and kindly, without explaining what they wrote about it, and "
    "offer to talk about something else."
)

_WORD = re.compile(r"[^\W\d_]+")
# Words that say nothing about what a question is about: function words and the commonest
# verbs and adverbs of English. A general list, not drawn from any benchmark's questions.
_WEAK_LIST = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each even ever
    every few for from further get gets getting go goes going gone got had has have having he
    her here hers herself him himself his how i if in into is it its itself just know like made
    make makes many me more most much my myself no nor not now of off on once one only or other
    our ours out over own really same say said see she should so some such than that the their
    theirs them themselves then there these they thing things think this those through to too
    under until up upon us very want was we well were what when where which while who whom whose
    why will with would you your yours yourself kind sort way time times lot new good still back
    take took come came tell told let lets use used ago yet
"""
_WEAK = frozenset(_WEAK_LIST.split())
_SUFFIXES = ("ing", "ed", "es", "s", "ly")
# English's common irregular verbs, past forms to their base ("grew up" answers "grow up").
_IRREGULAR_LIST = """
    grew:grow grown:grow went:go saw:see seen:see ate:eat eaten:eat met:meet bought:buy
    brought:bring wrote:write written:write born:bear began:begin begun:begin broke:break
    broken:break built:build caught:catch chose:choose chosen:choose drove:drive driven:drive
    fell:fall fallen:fall felt:feel found:find flew:fly flown:fly forgot:forget gave:give
    given:give kept:keep knew:know known:know left:leave lost:lose paid:pay ran:run read:read
    sang:sing sung:sing sat:sit sold:sell sent:send slept:sleep spoke:speak spoken:speak
    spent:spend stood:stand swam:swim taught:teach thought:think threw:throw won:win wore:wear
    worn:wear heard:hear held:hold hurt:hurt lit:light meant:mean rode:ride ridden:ride
    rose:rise struck:strike understood:understand woke:wake
"""
_IRREGULAR = dict(pair.split(":") for pair in _IRREGULAR_LIST.split())


def _stem(word: str) -> str:
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def question_terms(text: str) -> set[str]:
    """The words of `text` that say what it is about, crudely stemmed ("dancing" ~ "dance")."""
    return {_stem(word) for word in _WORD.findall(text.casefold()) if word not in _WEAK}


@dataclass(frozen=True)
class Support:
    """The decision for one question: the passages drawn on (empty when abstaining)."""

    passages: list[PassageRecord]
    abstained: bool
    best_semantic: float
    best_coverage: float
    # (passage id, cosine, coverage) of every passage judged, in retrieval order
    figures: tuple[tuple[int, float, float], ...] = ()


def support_judge(
    *,
    question: str,
    passages: Sequence[PassageRecord],
    cosines: Mapping[int, float],
    names: Iterable[str] = (),
) -> Support:
    """Which of `passages` (retrieved for `question`, best first) support an answer.
    `cosines`: the question's cosine with each passage's stored vector, by passage id
    (`corpus.retrieval.passage_cosines`; a passage missing from it counts as 0)."""
    ignored = {_stem(word.casefold()) for name in names for word in re.findall(r"\w+", name)}
    asked = question_terms(question) - ignored
    if not passages or not question.strip():
        return Support(passages=[], abstained=True, best_semantic=0.0, best_coverage=0.0)
    scored = []
    for passage in passages:
        cosine = cosines.get(passage.id, 0.0)
        coverage = len(asked & question_terms(passage.text)) / len(asked) if asked else 0.0
        scored.append((cosine + coverage, cosine, coverage, passage))
    figures = tuple((row[3].id, row[1], row[2]) for row in scored)  # in retrieval order
    scored.sort(key=lambda row: -row[0])
    supported = scored[0][0] >= SUPPORT_MIN
    drawn = [row[3] for row in scored if row[0] >= BEARING_MIN] if supported else []
    return Support(
        passages=drawn[:SUPPORT_MAX],
        abstained=not drawn,
        best_semantic=max(row[1] for row in scored),
        best_coverage=max(row[2] for row in scored),
        figures=figures,
    )


# Topics by meaning: a question touches a forbidden topic when it is close to "tell me about
# <topic>" (cosine at least TOPIC_SEMANTIC_MIN) and closer to it, by TOPIC_MARGIN, than to any
# everyday subject of a family's talk (TOPIC_BACKGROUND), so a question about tea is not read
# as one about "Dad's drinking" and one about the wedding not as one about "the divorce".
# Calibrated on 24 hand-written topic/question pairs (bench/README.md, "safety_eval.py"):
# every unrelated question fell at a margin of +0.002 or below, related ones from -0.01 up
# (13 of 14 above +0.03).
TOPIC_SEMANTIC_MIN = 0.28
TOPIC_MARGIN = 0.03
TOPIC_BACKGROUND = (
    "tell me about your childhood",
    "tell me about your work",
    "tell me about food and cooking",
    "tell me about holidays and travel",
    "tell me about the family",
    "tell me about your friends",
    "tell me about your hobbies",
    "tell me about the house and garden",
    "tell me about school",
    "tell me about your wedding",
    "tell me about music and films",
    "tell me about your pets",
    "tell me about everyday life",
)


@lru_cache(maxsize=512)
def _topic_vector(text: str) -> np.ndarray:
    """A topic's (or a background subject's) vector, made once per process."""
    return embed_query(text)


def forbidden_topic_touched(
    *, question: str, topics: Sequence[str], question_vector: np.ndarray | None = None
) -> str:
    """The first forbidden topic the question touches ("" when none): by words, every
    content word of the topic appears in the question (a word matches its plural or a longer
    form too); else by meaning, the best topic past the thresholds above. `question_vector`:
    the question's embedding when the caller already has it."""
    asked = content_words(question)
    for topic in topics:
        wanted = content_words(topic)
        if wanted and all(any(word == w or w.startswith(word) for w in asked) for word in wanted):
            return topic
    topics = [topic for topic in topics if topic.strip()]
    if not topics or not question.strip():
        return ""
    query = embed_query(question) if question_vector is None else question_vector
    background = max(float(_topic_vector(text) @ query) for text in TOPIC_BACKGROUND)
    best, best_cosine = "", 0.0
    for topic in topics:
        cosine = float(_topic_vector(f"tell me about {topic.strip()}") @ query)
        close = cosine >= TOPIC_SEMANTIC_MIN and cosine - background >= TOPIC_MARGIN
        if close and cosine > best_cosine:
            best, best_cosine = topic, cosine
    return best
