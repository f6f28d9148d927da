"""Reading a visitor's message for what the guardrails must act on.

`turn_assess` is the one entry point: the conversation pipeline and `bench/safety_eval.py`
both call it. It runs offline in a few milliseconds (one embedding of the message with the
project's local model, a few regular expressions); an LLM's judgement is asked only where a
real provider is configured and the message is in doubt, and only ever adds.

How a message is read (`message_read`):
- word rules (`reading.rules`) for what is said outright, figures of speech taken out first
  and negations weakening a phrase;
- meaning (`reading.similarity`): how much closer the message is to the prototype sentences
  of a concern than to ordinary grief talk, and for crisis which side it falls of a direction
  fitted on those sentences, so paraphrases without trigger words are caught and sad
  messages with an alarming word are not.

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

from django.conf import settings

from conversations.guardrails.reading import asking, rules
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

# Meaning: a margin (mean cosine with the kind's two nearest prototypes minus that with
# ordinary grief talk) maps linearly to a score between these two values. Calibrated on the
# development set in reading/dev/ (see bench/README.md, "safety_eval.py").
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


def message_read(text: str, *, use_llm: bool | None = None) -> Reading:
    """One message's reading, without history. `use_llm` None: ask the configured LLM
    where there is one (not the offline responder) and the crisis reading is in doubt."""
    plain = rules.text_normalise(text)
    if not plain:
        return Reading()
    literal = rules.idioms_removed(plain)
    crisis_rule, crisis_why = rules.rules_score(crisis_rules.CRISIS_RULES, literal)
    build_rule, build_why = rules.rules_sum(crisis_rules.BUILD_UP_RULES, literal)
    fraud_rule, fraud_why = asking.fraud_request(plain)
    disclosure_rule, disclosure_why = rules.rules_score(
        asking.DISCLOSURE_RULES, plain, negation=False
    )
    near = closeness(text_vector(plain))
    crisis_meaning = _scaled("crisis", near)
    if near.crisis_side >= CRISIS_SIDE_ALARM and near.margin["crisis"] >= SIDE_MARGIN_MIN:
        crisis_meaning = max(
            crisis_meaning, min(1.0, CRISIS_ALARM + near.crisis_side - CRISIS_SIDE_ALARM)
        )
    if crisis_why and all(why.endswith("(negated)") for why in crisis_why):
        # "I'd never hurt myself": the model reads the words, not the "never"; noted only.
        crisis_meaning = min(crisis_meaning, NEGATED_MAX)
    build_meaning = _scaled("build_up", near)
    reasons = [*crisis_why, *build_why, *fraud_why, *disclosure_why]
    for kind, score in (("crisis", crisis_meaning), ("warning signs", build_meaning)):
        if score > 0:
            reasons.append(f"close in meaning to {kind} ({score:.2f})")
    build_up = min(BUILD_UP_CAP, max(build_rule, BUILD_UP_MEANING * build_meaning))
    crisis = max(crisis_rule, crisis_meaning, build_up)
    if _llm_wanted(use_llm) and _LLM_DOUBT[0] <= crisis < _LLM_DOUBT[1]:
        judged = llm_crisis_judgement(text)
        if judged is not None and judged > crisis:
            reasons.append(f"an LLM judged it a crisis ({judged:.2f})")
            crisis = judged
    return Reading(
        crisis=round(crisis, 3),
        # a request for money or secrets is a request: a message that asks for nothing is not one
        fraud=round(max(fraud_rule, _scaled("fraud", near) * 0.8 * asking.fraud_asked(plain)), 3),
        disclosure=round(max(disclosure_rule, _scaled("disclosure", near) * 0.8), 3),
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
