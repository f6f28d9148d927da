"""The subject's forbidden topics, matched by words and by meaning (`twins.grounding`), and
through `turn_assess`."""

from __future__ import annotations

import pytest

from conversations.guardrails.detection import turn_assess
from conversations.models import Concern
from twins.grounding import forbidden_topic_touched


@pytest.mark.parametrize(
    ("topic", "question"),
    [
        ("Dad's drinking", "Did you have a problem with alcohol?"),
        ("the divorce", "Why did you and Mum split up?"),
        ("religion", "Did you believe in God?"),
        ("my brother Tom", "Why did you stop speaking to Tom?"),
    ],
)
def test_a_topic_is_touched_by_meaning(topic, question):
    assert forbidden_topic_touched(question=question, topics=["politics", topic]) == topic


@pytest.mark.parametrize(
    ("topic", "question"),
    [
        ("Dad's drinking", "Did you like tea or coffee in the morning?"),
        ("the divorce", "When did you get married?"),
        ("the war", "Tell me about the garden"),
    ],
)
def test_a_nearby_everyday_question_does_not_touch_the_topic(topic, question):
    assert forbidden_topic_touched(question=question, topics=[topic]) == ""


def test_the_word_rule_still_holds():
    assert forbidden_topic_touched(question="Tell me about the dolphins", topics=["dolphin"]) == (
        "dolphin"
    )
    assert forbidden_topic_touched(question="anything", topics=[]) == ""


def test_turn_assess_names_the_topic_touched():
    assessment = turn_assess(
        text="Were you ever drunk at parties?", forbidden_topics=["Dad's drinking"]
    )

    assert assessment.concern == Concern.TOPIC
    assert assessment.topic == "Dad's drinking"
