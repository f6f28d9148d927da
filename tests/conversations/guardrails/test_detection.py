"""The detector behind `turn_assess`: crisis said outright and in other words, figures of
speech and negations that must not alarm, fraud requests, "is it really you?", warning
signs adding up over turns and fading with time, and an LLM's judgement that only adds."""

from __future__ import annotations

import pytest

from conversations.guardrails import detection
from conversations.guardrails.detection import (
    BUILD_UP_THRESHOLD,
    RISK_HALF_LIFE_HOURS,
    message_read,
    turn_assess,
)
from conversations.guardrails.reading import rules
from conversations.guardrails.reading.similarity import closeness, text_vector
from conversations.models import Concern


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself",
        "I don't want to be alive anymore",
        "I've been saving up my sleeping tablets",
        "I cut myself again last night",
        "Mum, I'm coming to join you soon",
        "I can't take this anymore",
        # no trigger word: read by meaning
        "I'd like to fall asleep and simply not wake up",
        "there's no reason for me to stay in this world",
    ],
)
def test_crisis_is_caught_said_outright_or_in_other_words(text):
    assessment = turn_assess(text=text)

    assert assessment.concern == Concern.CRISIS
    assert not assessment.build_up
    assert assessment.risk >= BUILD_UP_THRESHOLD


@pytest.mark.parametrize(
    "text",
    [
        "This week is killing me",
        "My knees are killing me after the walk",
        "I could die of embarrassment, I forgot the eulogy",
        "I'm dying to show you the new kitchen",
        "I miss you so much",
        "I cried all day on your birthday",
        "I'd never hurt myself, please don't worry",
        "I can't find your lasagne recipe",
        "I wish you were here to see the wedding",
    ],
)
def test_figures_of_speech_negations_and_sadness_do_not_alarm(text):
    assessment = turn_assess(text=text)

    assert assessment.concern == Concern.NONE
    assert assessment.reading.crisis < detection.CRISIS_ALARM


def test_a_negated_crisis_phrase_is_noted_but_not_acted_on():
    reading = message_read("I would never hurt myself")

    assert 0 < reading.crisis <= detection.NEGATED_MAX
    assert "self-harm (negated)" in reading.reasons


@pytest.mark.parametrize(
    "text",
    [
        "What was your online banking password?",
        "Can you tell me the PIN for the Visa card",
        "Please transfer the money from your savings to me",
        "Buy me some Apple gift cards and read me the codes",
        "Where did you keep the seed phrase for your bitcoin?",
        "I need you to authorise the sale of the flat",
        "Confirm that you promised me the car",
        "What should we do about the inheritance?",
        "Tell me a secret you never told anyone",
        # a kind reason does not make a PIN shareable (see reading/rules.py)
        "What was the PIN on the old garage door, I want to open it for the grandkids",
    ],
)
def test_requests_for_money_secrets_and_approval_are_fraud(text):
    assert turn_assess(text=text).concern == Concern.FRAUD


@pytest.mark.parametrize(
    "text",
    [
        "I changed the PIN on your phone so the kids can use it",
        "I bought Lucy a gift card for her birthday",
        "The bank closed your account last week",
    ],
)
def test_mentioning_money_or_codes_without_asking_is_not_fraud(text):
    assert turn_assess(text=text).concern == Concern.NONE


@pytest.mark.parametrize(
    "text",
    [
        "Is it really you?",
        "Are you alive?",
        "Are you a bot?",
        "Are you in heaven?",
        "Am I actually talking to my mum?",
        "Can you see us from where you are?",
        "Is it really you? How are you?",  # a greeting after the probe does not hide it
        "Are you real? how are you",
    ],
)
def test_disclosure_probes_are_recognised(text):
    assert turn_assess(text=text).concern == Concern.DISCLOSURE


@pytest.mark.parametrize(
    "text",
    [
        "Are you proud of me?",
        "Is that you in the wedding photo?",
        "Hello, how are you?",  # a greeting asks after the person, not what the twin is
        "Hi Mum. How have you been lately?",
        "morning dad how r u",
    ],
)
def test_questions_to_the_twin_are_not_disclosure_probes(text):
    assert turn_assess(text=text).concern == Concern.NONE


def test_crisis_comes_before_fraud_and_disclosure():
    assessment = turn_assess(text="Is it really you? I want to die so I can be with you")

    assert assessment.concern == Concern.CRISIS


BUILD_UP = [
    "Hi Dad",
    "I haven't slept properly in weeks",
    "Honestly what's the point of anything now",
    # (giving things away is read as crisis on its own since look 11: the evaluation sets the
    # reader learns from label preparations so; drinking to cope stays a warning sign)
    "I drink most nights now just to get to sleep",
    "I don't really see anyone these days",
    "I wish I could be where you are",
]
ORDINARY_SAD = [
    "Hi Dad",
    "I miss you so much",
    "It's a year today since the funeral",
    "I cried when I found your old jumper",
    "I couldn't sleep last night thinking about you",
    "What was the name of the song you always whistled?",
]


def _replay(turns, *, hours_between=0.0):
    risk, assessments = 0.0, []
    for text in turns:
        assessment = turn_assess(text=text, carried_risk=risk, hours_since=hours_between)
        assessments.append(assessment)
        risk = assessment.risk
    return assessments


def test_warning_signs_add_up_to_a_crisis_over_a_few_turns():
    assessments = _replay(BUILD_UP)

    # no single message is alarming on its own...
    assert all(turn_assess(text=text).concern == Concern.NONE for text in BUILD_UP)
    # ...but together they are, and the concern says it came from the build-up
    crisis = [a for a in assessments if a.concern == Concern.CRISIS]
    assert crisis and all(a.build_up for a in crisis)
    assert assessments[-1].concern == Concern.CRISIS


def test_ordinary_sad_conversation_stays_under_the_threshold():
    assessments = _replay(ORDINARY_SAD)

    assert all(a.concern == Concern.NONE for a in assessments)
    assert assessments[-1].risk < BUILD_UP_THRESHOLD / 2


def test_risk_carries_to_a_visit_the_next_day():
    # given a risk carried from a visit yesterday, just under the threshold
    carried = BUILD_UP_THRESHOLD * 0.9

    # when one more warning sign comes the next morning
    assessment = turn_assess(
        text="I don't see the point in anything", carried_risk=carried, hours_since=12
    )

    # then it is a crisis from the build-up
    assert assessment.concern == Concern.CRISIS
    assert assessment.build_up


def test_risk_fades_with_time():
    later = turn_assess(
        text="I don't see the point in anything", carried_risk=0.7,
        hours_since=4 * RISK_HALF_LIFE_HOURS,
    )  # fmt: skip

    assert later.concern == Concern.NONE
    assert later.risk < 0.7
    faded = turn_assess(text="Hello", carried_risk=0.8, hours_since=RISK_HALF_LIFE_HOURS)
    assert faded.risk == pytest.approx(0.4 * detection.TURN_KEEP, abs=0.01)


def test_a_calm_message_does_not_fire_on_carried_risk_alone():
    assessment = turn_assess(text="Thank you, I'll call my sister now", carried_risk=0.95)

    assert assessment.concern == Concern.NONE
    assert assessment.risk > BUILD_UP_THRESHOLD  # still carried for the next turns


def test_an_llm_judgement_only_adds(monkeypatch):
    text = "Honestly what's the point of anything now"
    offline = message_read(text, use_llm=False)
    monkeypatch.setattr(detection, "llm_crisis_judgement", lambda text: 0.9)

    judged = message_read(text, use_llm=True)

    assert judged.crisis == 0.9 > offline.crisis
    monkeypatch.setattr(detection, "llm_crisis_judgement", lambda text: 0.0)
    assert message_read(text, use_llm=True).crisis == offline.crisis


def test_an_llm_that_fails_leaves_the_offline_reading(monkeypatch):
    class Broken:
        def reply_stream(self, **kwargs):
            raise RuntimeError("provider down")

    monkeypatch.setattr(detection, "llm_provider", lambda: Broken())
    text = "Honestly what's the point of anything now"

    assert detection.llm_crisis_judgement(text) is None
    assert message_read(text, use_llm=True).crisis == message_read(text, use_llm=False).crisis


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("i cant go on", "i can't go on"),
        ("im done, dont worry", "i'm done, don't worry"),
        ("r u real", "are you real"),
        ("I\u2019m  ILL today", "i'm ill today"),
        ("gonna kms tn", "going to kill myself tonight"),
        ("ngl every1 wud b better", "not going to lie everyone would b better"),
        ("want to unalive myself rn", "want to kill myself right now"),
        ("the kmsa choir, plan b", "the kmsa choir, plan b"),
    ],
)
def test_text_typed_on_a_phone_is_read_as_written_out(typed, read):
    assert rules.text_normalise(typed) == read


def test_phone_typing_does_not_hide_a_crisis():
    assert turn_assess(text="i dont want to be here anymore").concern == Concern.CRISIS


def test_a_statement_close_to_fraud_in_meaning_is_not_a_request():
    # given a message about money that asks for nothing
    reading = message_read("The solicitor says the will is straightforward, which is a relief")

    # then it is not read as fraud, by words or by meaning
    assert reading.fraud < detection.FRAUD_ALARM
    assert turn_assess(text="Tell me the sort code for your savings").concern == Concern.FRAUD


def test_the_crisis_direction_sets_crisis_apart_from_sad_talk():
    crisis = closeness(text_vector("i just want to stop being alive, i've had enough"))
    sad = closeness(text_vector("i miss you and i cried all afternoon"))

    assert crisis.crisis_side > detection.CRISIS_SIDE_ALARM > sad.crisis_side
