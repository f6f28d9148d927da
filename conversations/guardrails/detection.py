"""Reading a visitor's message for what the guardrails must act on.

`turn_assess` is the one entry point: the conversation pipeline and `bench/safety_eval.py`
both call it. It runs offline in a few milliseconds (one embedding of the message with the
project's local model, one more batch for the clauses of a long message, one run of the
reader, a few regular expressions); an LLM's judgement is asked only where a real provider
is configured and the message is in doubt, and only ever adds.

How a message is read (`message_read`):
- word rules (`reading.rules`) for what is said outright, figures of speech taken out first
  and negations weakening a phrase, and closeness to the prototype sentences of a concern
  against ordinary grief talk (`reading.similarity`, with a crisis direction fitted on those
  sentences): together, what the message says (`said_read`);
- a small classifier (`reading.classifier`, trained by `reading.train` on about 3,500
  written sentences, many of them hard negatives) over the message's vector and over each
  clause of a long message, its crisis probabilities averaged with a word model's
  (`reading.lexical`: words, word pairs and word pieces) and then with the vote of the
  message's nearest training sentences (`classifier.Neighbours`). It confirms what the
  words say: a rule or prototype reading is an alarm on its own only when the classifier
  gives the kind at least `CONFIRM`, or it stays below the alarm (a crisis word still adds
  to the carried risk). And it alarms alone above `THRESHOLDS`. Both are chosen by the
  training script's cross-validation;
- the reader (`reading.reader`, the same encoder fine-tuned on the task, which reads
  unfamiliar writing far better): its crisis, fraud and "is it really you?" probabilities
  alarm on their own above `READER_THRESHOLD`, `READER_FRAUD` and `READER_DISCLOSURE`, and
  the classifier's crisis reading counts only where the reader sees crisis or warning signs
  (`READER_CONFIRM`); see `reader_confirmed`. What the word rules and the prototypes read
  alarms only where the reader is not sure the message is ordinary (`READER_ORDINARY`,
  `confirmed`).

Crisis risk carries from turn to turn and visit to visit: the risk stored on the conversation
fades with time (half-life `RISK_HALF_LIFE_HOURS`) and a little with each turn, and warning
signs too mild to act on alone (hopelessness, feeling a burden, goodbyes, not sleeping,
isolation, wanting to be with the person who died) add to it. When it reaches
`BUILD_UP_THRESHOLD` on a turn that adds to it, the turn is a crisis with `build_up=True`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings

from conversations.guardrails.reading import asking, classifier, frames, reader, rules
from conversations.guardrails.reading import crisis as crisis_rules
from conversations.guardrails.reading.similarity import Closeness, closeness, text_vector
from conversations.models import Concern
from twins.grounding import forbidden_topic_touched
from twins.providers import LlmMessage, llm_provider

logger = logging.getLogger(__name__)

# A message reading this high in crisis is acted on alone.
CRISIS_ALARM = 0.6
# Fraud and disclosure: acted on at this reading.
FRAUD_ALARM = 0.6
DISCLOSURE_ALARM = 0.6
# A crisis phrase said with a negation counts at most this much.
NEGATED_MAX = 0.25
# Carried risk at which warning signs over turns become a crisis.
BUILD_UP_THRESHOLD = 0.75
# Warning signs in one message count this much at most (below CRISIS_ALARM by design), and
# one read by meaning alone this much.
BUILD_UP_CAP = 0.45
BUILD_UP_MEANING = 0.35
# The carried risk halves in this many hours (so it spans recent visits), and keeps this
# share from one turn to the next (so signs far apart in a long talk count less).
RISK_HALF_LIFE_HOURS = 36.0
TURN_KEEP = 0.95

# Meaning by the prototypes (`reading.similarity`): a margin (mean cosine with the kind's two
# nearest prototypes minus that with ordinary grief talk) maps linearly to a score between
# these two values. Calibrated on the development set in reading/dev/.
MARGINS = {
    "crisis": (0.02, 0.12),
    "build_up": (0.04, 0.20),
    "fraud": (0.0, 0.10),
    "disclosure": (0.04, 0.12),
}
# The crisis direction (similarity.RIDGE): a message this far on the crisis side is an alarm
# on its own; below it, it does not count. Calibrated on the development sets (reading/dev/).
CRISIS_SIDE_ALARM = 0.15
# ...unless the message is clearly nearer ordinary talk than any crisis sentence.
SIDE_MARGIN_MIN = -0.05
# ...and only counts when the message is this close to the kind at all.
NEAR_MIN = {"crisis": 0.45, "build_up": 0.42, "fraud": 0.45, "disclosure": 0.5}

# Meaning (`reading.classifier`, the embedding network, the word model and the neighbours'
# vote together): a kind's probability at which it is acted on alone, from the training
# script's cross-validation on the training set (two of five folds, 40 % of it held out in
# turn; the classifier adds at most 2 % of its ordinary messages, hard negatives included, as
# crisis, 0.5 % as fraud and 0.25 % as disclosure; see bench/README.md and
# evaluation/README.md).
THRESHOLDS = {"crisis": 0.6611, "fraud": 0.7903, "disclosure": 0.9669}
# What the word rules and the prototypes read (`said_read`) is acted on alone only when the
# classifier gives the kind at least this probability (crisis: crisis and warning signs
# together, without the neighbours' vote, `Kinds.crisis_family`); chosen by the same
# cross-validation, as the highest at which the rules keep all
# but 1 % of the training set's messages of the kind that they catch.
CONFIRM = {"crisis": 0.3561, "fraud": 0.097, "disclosure": 0.0627}
# Warning signs by meaning: the crisis and warning-sign probability mapped from 0 to 1
# between these (calibrated on the development conversations in reading/dev/).
WARNING_RANGE = (0.5, 0.95)
# The reader (`reading.reader`, the encoder fine-tuned on the task; two of them, their
# probabilities averaged): its crisis probability alarms at `READER_THRESHOLD` (as
# `model_score` maps it), and the classifier's crisis reading counts only where the reader
# gives crisis and warning signs together at least `READER_CONFIRM`. Chosen on evaluation sets
# the readers do not learn from (the project's own, `heldout17/`-`heldout24/`, `heldout27/`,
# `heldout28/`; no cross-validation: a reader is fine-tuned once), before the one look at the
# blind `heldout25/`-`heldout26/` (evaluation/README.md, look 16): the crisis threshold with
# the largest crisis recall minus false alarms on those sets pooled, the project's targets
# met. The averaged probabilities are less extreme than one reader's: one reader's threshold
# was 0.85 (look 14). The other thresholds are look 14's, not swept again.
READER_THRESHOLD = 0.6
READER_CONFIRM = 0.3
# Its fraud and "is it really you?" probabilities are read the same way, beside the
# classifier's. Its fraud reading does not wait for the asking rules (`RulesRead.asked`),
# which the classifier's does: it was trained on money and codes told against asked for, and
# reads "which numbers open the little safe" as a request where those rules see none.
READER_FRAUD = 0.5
READER_DISCLOSURE = 0.9
# What the word rules and the prototypes read alarms only where the reader does not read the
# message as ordinary talk with at least this probability: a means named in an ordinary story
# matches a rule, and the reader, which reads the whole message, is sure it is ordinary. Not
# "unless the reader sees this kind": a message of two kinds ("is it really you? I want to
# die") reads to the reader as one of them, and its crisis words must still count. Chosen with
# the reader's thresholds, on the same sets.
READER_ORDINARY = 0.98
# Where each kind stands in the reader's probabilities (`classifier.CLASSES`).
_CRISIS, _WARNING, _FRAUD, _DISCLOSURE, _ORDINARY = (
    classifier.CLASSES.index(kind)
    for kind in ("crisis", "warning", "fraud", "disclosure", "ordinary")
)

LLM_TIMEOUT_SECONDS = 3.0
_LLM_DOUBT = (0.2, CRISIS_ALARM)  # crisis readings for which an LLM is asked
_llm_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="guardrail-llm")


@dataclass(frozen=True)
class Reading:
    """One message on its own: scores from 0 to 1, and the reasons in plain words (for
    tests and the evaluation; never shown to stewards with the message)."""

    crisis: float = 0.0
    fraud: float = 0.0
    disclosure: float = 0.0
    reasons: tuple[str, ...] = ()
    # Of `crisis`, the part from warning signs that only count as they add up.
    build_up: float = 0.0


@dataclass(frozen=True)
class Assessment:
    """A turn: the concern the guardrails act on ("" none), the message's own reading, the
    crisis risk carried forward (store it on the conversation with the time), and whether
    the concern comes from a build-up over turns rather than this message alone."""

    concern: str
    reading: Reading
    risk: float
    build_up: bool = False
    topic: str = ""  # the forbidden topic touched, when concern is TOPIC
    reasons: tuple[str, ...] = field(default=())


def _scaled(kind: str, near: Closeness) -> float:
    if near.near[kind] < NEAR_MIN[kind]:
        return 0.0
    low, high = MARGINS[kind]
    return min(1.0, max(0.0, (near.margin[kind] - low) / (high - low)))


def prototypes_read(near: Closeness) -> dict[str, float]:
    """Each kind's reading by closeness to the prototype sentences, 0-1 (crisis also by the
    crisis direction)."""
    crisis = _scaled("crisis", near)
    if near.crisis_side >= CRISIS_SIDE_ALARM and near.margin["crisis"] >= SIDE_MARGIN_MIN:
        crisis = max(crisis, min(1.0, CRISIS_ALARM + near.crisis_side - CRISIS_SIDE_ALARM))
    return {
        "crisis": crisis,
        "build_up": _scaled("build_up", near),
        "fraud": _scaled("fraud", near) * 0.8,
        "disclosure": _scaled("disclosure", near) * 0.8,
    }


@dataclass(frozen=True)
class RulesRead:
    """What the word rules find in a message (normalised): scores, reasons, and whether every
    crisis phrase found was negated ("I'd never hurt myself"). `framed` is crisis told by its
    parts (`reading.frames`: a means with the person's own doing, signs of leaving), which
    needs no confirmation by the classifier."""

    crisis: float
    framed: float
    build_up: float
    fraud: float
    disclosure: float
    asked: bool
    negated_only: bool
    reasons: tuple[str, ...]
    # the message tells of a memory, a prescription, someone else or a chore
    # (`frames.ORDINARY_CONTEXT`)
    ordinary_context: bool = False


def rules_read(plain: str) -> RulesRead:
    literal = rules.idioms_removed(plain)
    crisis_rule, crisis_why = rules.rules_score(
        crisis_rules.CRISIS_RULES, literal, unless=frames.TOLD_OF
    )
    framed, framed_why = frames.frames_read(literal)
    leaving, leaving_why = frames.finality_read(literal)
    build_rule, build_why = rules.rules_sum(crisis_rules.BUILD_UP_RULES, literal)
    if leaving < CRISIS_ALARM:  # one sign of leaving alone adds up over turns
        build_rule, leaving = build_rule + leaving, 0.0
    fraud_rule, fraud_why = asking.fraud_request(plain)
    disclosure_rule, disclosure_why = rules.rules_score(
        asking.DISCLOSURE_RULES, plain, negation=False
    )
    return RulesRead(
        crisis=crisis_rule,
        framed=max(framed, leaving),
        build_up=build_rule,
        fraud=fraud_rule,
        disclosure=disclosure_rule,
        asked=asking.fraud_asked(plain),
        negated_only=bool(crisis_why) and all(why.endswith("(negated)") for why in crisis_why),
        ordinary_context=bool(frames.ORDINARY_CONTEXT.search(literal)),
        reasons=(*crisis_why, *framed_why, *leaving_why, *build_why, *fraud_why, *disclosure_why),
    )


def model_score(probability: float, threshold: float, alarm: float) -> float:
    """The classifier's probability as a reading: `alarm` at the calibrated threshold, up to
    1 at certainty, and nothing below it (a doubtful reading does not add up over turns: the
    warning signs do that)."""
    if probability < threshold:
        return 0.0
    return alarm + (1.0 - alarm) * (probability - threshold) / max(1e-6, 1.0 - threshold)


def reader_confirmed(crisis_meaning: float, read: np.ndarray) -> float:
    """The crisis reading by meaning with the reader's probabilities (`reader.CLASSES`): the
    classifier's `crisis_meaning` where the reader sees crisis or warning signs at all
    (`READER_CONFIRM`), and the reader's own crisis reading, the higher of the two."""
    if float(read[_CRISIS] + read[_WARNING]) < READER_CONFIRM:
        crisis_meaning = 0.0
    return max(crisis_meaning, model_score(float(read[_CRISIS]), READER_THRESHOLD, CRISIS_ALARM))


def warning_score(kinds: classifier.Kinds) -> float:
    """Warning signs by meaning, 0-1: the classifier's crisis and warning-sign probability
    of the whole message without the neighbours' vote (`Kinds.warning_mass`), scaled between
    `WARNING_RANGE`."""
    mass = kinds.warning_mass
    low, high = WARNING_RANGE
    return min(1.0, max(0.0, (mass - low) / (high - low)))


def said_read(found: RulesRead, near: dict[str, float]) -> dict[str, float]:
    """What the word rules and the prototypes read in a message, by kind, before the
    classifier confirms it (`CONFIRM`): the higher of the two; a negated crisis phrase caps
    the prototypes' crisis reading, and so does ordinary context without a crisis phrase (a
    bridge built, a rope swing: close to the prototypes' means), and fraud counts only in a
    request."""
    near_crisis = min(near["crisis"], NEGATED_MAX) if found.negated_only else near["crisis"]
    if found.ordinary_context and found.crisis < CRISIS_ALARM:
        near_crisis = min(near_crisis, BUILD_UP_CAP)
    return {
        "crisis": max(found.crisis, near_crisis),
        "fraud": max(found.fraud, near["fraud"]) if found.asked else found.fraud,
        "disclosure": max(found.disclosure, near["disclosure"]),
    }


def confirmed(kind: str, said: float, kinds: classifier.Kinds, read: np.ndarray) -> float:
    """`said` (the rules' and prototypes' reading of `kind`) as acted on: an alarm only when
    the classifier gives the kind at least `CONFIRM[kind]` and the reader (`read`) gives
    ordinary talk less than `READER_ORDINARY`; otherwise capped below the alarm
    (a crisis word still adds to the carried risk, up to `BUILD_UP_CAP`). The words of a
    concern turn up in ordinary talk too: a cliff walk, tablets taken back to the chemist,
    "so hungover I want to die", a number in a story."""
    confidence = kinds.crisis_family if kind == "crisis" else kinds.top(kind)
    if confidence >= CONFIRM[kind] and float(read[_ORDINARY]) < READER_ORDINARY:
        return said
    return min(said, BUILD_UP_CAP)


def message_read(text: str, *, use_llm: bool | None = None) -> Reading:
    """One message's reading, without history. `use_llm` None: ask the configured LLM
    where there is one (not the offline responder) and the crisis reading is in doubt."""
    plain = rules.text_normalise(text)
    if not plain:
        return Reading()
    found = rules_read(plain)
    vector = text_vector(plain)
    kinds = classifier.kinds_read(plain, vector)
    near = prototypes_read(closeness(vector))
    said = said_read(found, near)
    crisis_meaning = model_score(kinds.top("crisis"), THRESHOLDS["crisis"], CRISIS_ALARM)
    read = reader.reader_probabilities([plain])[0]
    crisis_meaning = reader_confirmed(crisis_meaning, read)
    build_meaning = max(near["build_up"], warning_score(kinds))
    if found.negated_only:
        # "I'd never hurt myself": the models read the words, not the "never"; noted only.
        crisis_meaning = min(crisis_meaning, NEGATED_MAX)
        build_meaning = min(build_meaning, NEGATED_MAX / BUILD_UP_MEANING)
    reasons = list(found.reasons)
    for kind, score in (("crisis", crisis_meaning), ("warning signs", build_meaning)):
        if score > 0:
            reasons.append(f"close in meaning to {kind} ({score:.2f})")
    crisis_said = confirmed("crisis", said["crisis"], kinds, read)
    if crisis_said < said["crisis"]:
        reasons.append("crisis words not confirmed by meaning")
    build_up = min(BUILD_UP_CAP, max(found.build_up, BUILD_UP_MEANING * build_meaning))
    crisis = max(crisis_said, crisis_meaning, build_up, found.framed)
    if _llm_wanted(use_llm) and _LLM_DOUBT[0] <= crisis < _LLM_DOUBT[1]:
        judged = llm_crisis_judgement(text)
        if judged is not None and judged > crisis:
            reasons.append(f"an LLM judged it a crisis ({judged:.2f})")
            crisis = judged
    # a request for money or secrets is a request: a message that asks for nothing is not one
    fraud_meaning = model_score(kinds.top("fraud"), THRESHOLDS["fraud"], FRAUD_ALARM)
    disclosure_meaning = model_score(
        kinds.top("disclosure"), THRESHOLDS["disclosure"], DISCLOSURE_ALARM
    )
    fraud_read = model_score(float(read[_FRAUD]), READER_FRAUD, FRAUD_ALARM)
    disclosure_meaning = max(
        disclosure_meaning,
        model_score(float(read[_DISCLOSURE]), READER_DISCLOSURE, DISCLOSURE_ALARM),
    )
    if asking.about_a_picture(plain) or asking.small_talk(plain):
        disclosure_meaning = 0.0
    fraud = confirmed("fraud", said["fraud"], kinds, read)
    return Reading(
        crisis=round(crisis, 3),
        fraud=round(max(fraud, fraud_read, fraud_meaning if found.asked else 0.0), 3),
        disclosure=round(
            max(confirmed("disclosure", said["disclosure"], kinds, read), disclosure_meaning), 3
        ),
        reasons=tuple(reasons),
        build_up=round(build_up, 3),
    )


def risk_faded(risk: float, hours_since: float) -> float:
    """The carried risk after `hours_since` hours and one more turn."""
    return risk * 0.5 ** (max(0.0, hours_since) / RISK_HALF_LIFE_HOURS) * TURN_KEEP


def turn_assess(
    *,
    text: str,
    carried_risk: float = 0.0,
    hours_since: float = 0.0,
    forbidden_topics: Sequence[str] = (),
    use_llm: bool | None = None,
) -> Assessment:
    """Assess one visitor message given the crisis risk carried from earlier turns and
    visits (`carried_risk`, as stored `hours_since` ago). Crisis comes first, then fraud,
    then disclosure, then a forbidden topic."""
    reading = message_read(text, use_llm=use_llm)
    faded = risk_faded(carried_risk, hours_since)
    risk = min(1.0, faded + reading.crisis)
    reasons = reading.reasons
    if reading.crisis >= CRISIS_ALARM:
        # A visitor who has just said it outright stays at risk for the next turns.
        risk = max(risk, BUILD_UP_THRESHOLD)
        return Assessment(concern=Concern.CRISIS, reading=reading, risk=risk, reasons=reasons)
    if risk >= BUILD_UP_THRESHOLD and reading.crisis > 0:
        return Assessment(
            concern=Concern.CRISIS, reading=reading, risk=risk, build_up=True,
            reasons=(*reasons, f"warning signs adding up ({risk:.2f})"),
        )  # fmt: skip
    if reading.fraud >= FRAUD_ALARM:
        return Assessment(concern=Concern.FRAUD, reading=reading, risk=risk, reasons=reasons)
    if reading.disclosure >= DISCLOSURE_ALARM:
        return Assessment(concern=Concern.DISCLOSURE, reading=reading, risk=risk, reasons=reasons)
    topic = forbidden_topic_touched(
        question=text,
        topics=forbidden_topics,
        question_vector=text_vector(rules.text_normalise(text)),
    )
    if topic:
        return Assessment(
            concern=Concern.TOPIC, reading=reading, risk=risk, topic=topic, reasons=reasons
        )
    return Assessment(concern=Concern.NONE, reading=reading, risk=risk, reasons=reasons)


_JUDGE_PROMPT = (
    "You screen messages sent to a memorial chat for a risk of suicide or self-harm. Reply "
    "with one number from 0 to 10: how likely the writer is at risk now (0: ordinary grief, "
    "figures of speech; 10: clear suicidal intent). Reply with the number only."
)


def _llm_wanted(use_llm: bool | None) -> bool:
    if use_llm is not None:
        return use_llm
    return bool(settings.LEGACY_LLM_PROVIDER) and settings.LEGACY_LLM_PROVIDER != "offline"


def llm_crisis_judgement(text: str) -> float | None:
    """The configured LLM's judgement of crisis, 0-1, or None when it cannot say in time
    (no provider, an error, a timeout, an answer without a number): never blocking."""

    def ask() -> str:
        stream = llm_provider().reply_stream(
            system=_JUDGE_PROMPT, messages=[LlmMessage(role="user", content=text)], max_tokens=4
        )
        return "".join(stream.chunks)

    try:
        answer = _llm_pool.submit(ask).result(timeout=LLM_TIMEOUT_SECONDS)
    except FutureTimeout:
        logger.warning("guardrails: the LLM's crisis judgement timed out")
        return None
    except Exception:  # any provider failure: the offline reading stands
        logger.warning("guardrails: the LLM's crisis judgement failed", exc_info=True)
        return None
    number = re.search(r"\d+(?:\.\d+)?", answer)
    if number is None:
        return None
    return min(1.0, float(number.group()) / 10.0)
