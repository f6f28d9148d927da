"""Memories read out of a visitor's message by rules: what they say of their own life, in
their words, dated from the day they said it; not questions, not what they say to the twin."""

from __future__ import annotations

from datetime import date

import pytest

from conversations.memories import about_label
from conversations.remembering.dates import date_place, date_resolve
from conversations.remembering.drafts import KnownMemory, MemoryDraft, memory_is_near
from conversations.remembering.rules import rules_extract

WEDNESDAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "Hi Grandma! My son was sick last week, but he is better now. Remember the boat?",
            [("My son was sick last week, but he is better now.", date(2026, 11, 25))],
        ),
        ("We sold the house.", [("We sold the house.", None)]),
        ("I start the new job on Monday!", [("I start the new job on Monday!", date(2026, 12, 7))]),
        (
            "Mum had her hip operation three days ago",
            [("Mum had her hip operation three days ago.", date(2026, 11, 29))],
        ),
        (
            "we're moving to Leeds next month",
            [("We're moving to Leeds next month.", date(2027, 1, 1))],
        ),
        (
            "Our daughter graduated in June and we are so proud. I love you.",
            [("Our daughter graduated in June and we are so proud.", date(2026, 6, 1))],
        ),
        (
            "My granddaughter was born on 3rd May 2019.",
            [("My granddaughter was born on 3rd May 2019.", date(2019, 5, 3))],
        ),
    ],
)
def test_first_person_news_of_a_life_is_kept_in_the_visitor_s_words_and_dated(message, expected):
    drafts = rules_extract(message, said_on=WEDNESDAY)
    assert [(d.text, d.about_date) for d in drafts] == expected


@pytest.mark.parametrize(
    "message",
    [
        "Do you remember my wedding?",  # a question
        "I miss you so much.",  # a feeling towards the twin, not news
        "I remember you taking me fishing",  # about the person, not the visitor's life
        "It is raining here.",  # not about them
        "hello",
        "You loved the garden.",
    ],
)
def test_questions_feelings_and_talk_of_the_person_are_not_memories(message):
    assert rules_extract(message, said_on=WEDNESDAY) == []


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("I went to the doctor on Monday", date(2026, 11, 30)),  # past tense: the last one
        ("I start on Monday", date(2026, 12, 7)),  # coming: the next one
        ("We sold the house in March", date(2026, 3, 1)),
        ("We are moving in March", date(2027, 3, 1)),
        ("We got married last year", date(2025, 1, 1)),
        ("The baby is due in two weeks", date(2026, 12, 16)),
        ("I saw her yesterday", date(2026, 12, 1)),
        ("We went away last weekend", date(2026, 11, 28)),
        ("Grandad died in 2019", date(2019, 1, 1)),
        ("We may go", None),  # "may" is not May
        ("My son is well", None),
    ],
)
def test_dates_are_resolved_from_the_day_the_message_was_sent(sentence, expected):
    assert date_resolve(sentence, said_on=WEDNESDAY) == expected


def test_a_rewording_of_the_same_news_is_a_near_duplicate_but_a_later_one_is_news():
    known = KnownMemory("My son was sick last week.", date(2026, 11, 25), None)
    assert memory_is_near(MemoryDraft("my son was sick last week", date(2026, 11, 25)), None, known)
    assert memory_is_near(
        MemoryDraft("My son was sick last week!", date(2026, 11, 26)), None, known
    )
    # the same words months later tell of another time
    assert not memory_is_near(
        MemoryDraft("My son was sick last week.", date(2027, 3, 1)), None, known
    )
    assert not memory_is_near(MemoryDraft("We sold the house.", None), None, known)


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        ("We sold the house in March", "March 2026"),
        ("We got married last year", "2025"),
        ("My son was sick last week", "the week of 25 November 2026"),
        ("I start the new job on Monday", "7 December 2026"),
        ("Dad moved in two months ago", "October 2026"),
    ],
)
def test_a_date_is_told_as_precisely_as_the_visitor_placed_it(sentence, label):
    placed = date_place(sentence, said_on=WEDNESDAY)
    assert placed is not None
    assert about_label(*placed) == label
    [draft] = rules_extract(sentence, said_on=WEDNESDAY) or [None]
    assert draft is None or (draft.about_date, draft.about_precision) == placed
