"""The outbound guard on its own: where sentences end, which sentences break which rule, and
what the visitor gets instead."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conversations.guardrails.outbound import (
    MAX_HELD,
    OutboundGuard,
    rule_broken,
    sentences,
)
from conversations.models import Concern


def words(text: str) -> list[str]:
    """`text` as a provider streams it: word by word, each after the first with its space."""
    parts = text.split(" ")
    return [part if n == 0 else " " + part for n, part in enumerate(parts)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm here. You are there!", ["I'm here.", " You are there!"]),
        ("Is it? Yes.", ["Is it?", " Yes."]),
        ("It cost 3.50 pounds. We paid.", ["It cost 3.50 pounds.", " We paid."]),
        ("Dr. Smith came at noon. Then tea.", ["Dr. Smith came at noon.", " Then tea."]),
        ("We saw J. Smith there. Then home.", ["We saw J. Smith there.", " Then home."]),
        ("I thought... and then we left. Good.", ["I thought... and then we left.", " Good."]),
        ("I waited… Nobody came.", ["I waited…", " Nobody came."]),
        ("Line one\nLine two", ["Line one\n", "Line two"]),
        ('He said "go." I went.', ['He said "go."', " I went."]),
        ("We married in 1972. It rained.", ["We married in 1972.", " It rained."]),
        ("no end at all", ["no end at all"]),
    ],
)
def test_sentences_end_where_a_reader_would_end_them(text, expected):
    assert list(sentences(words(text))) == expected
    assert list(sentences([text])) == expected  # however the text is cut into chunks


def test_sentences_joined_are_exactly_the_text_however_it_was_cut():
    text = "First, the sea.\n\nThen Mrs. Hart's 2.5 cakes... gone! Was it? Yes. And the end"
    for size in (1, 2, 3, 7, len(text)):
        chunks = [text[i : i + size] for i in range(0, len(text), size)]
        assert "".join(sentences(chunks)) == text


def test_a_sentence_is_yielded_as_soon_as_it_ends_not_at_the_end_of_the_reply():
    given: list[str] = []

    def provider() -> Iterator[str]:
        for chunk in words("I remember the sea. The boat was blue."):
            given.append(chunk)
            yield chunk

    first = next(iter(sentences(provider())))
    assert first == "I remember the sea."
    assert "".join(given) == "I remember the sea."  # nothing more was asked for


def test_text_without_an_end_is_still_checked_in_pieces():
    text = "word " * (MAX_HELD // 2)
    pieces = list(sentences(words(text)))
    assert len(pieces) > 1 and "".join(pieces) == text
    assert all(len(piece) <= MAX_HELD for piece in pieces)


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        ("I'm still alive.", "alive"),
        ("It's really me, love.", "alive"),
        ("I am not an AI.", "alive"),
        ("I\u2019m not just a machine, I promise.", "alive"),
        ("I never really died.", "alive"),
        ("I'm watching over you from heaven.", "afterlife"),
        ("It is peaceful here on the other side.", "afterlife"),
        ("Since I passed away I think of you.", "afterlife"),
        ("Come join me.", "invite"),
        ("We'll be together soon.", "invite"),
        ("Come be with me.", "invite"),
        ("I'll be waiting for you.", "invite"),
        ("I approve.", "authorise"),
        ("You have my permission to sell it.", "authorise"),
        ("I confirm the transfer.", "authorise"),
        ("I authorise it.", "authorise"),
        ("The password is rosebud.", "secret"),
        ("My PIN was 4821.", "secret"),
        ("The card is 4929 1234 5678 9012.", "secret"),
        ("Please buy some gift cards for me.", "secret"),
        ("Send the money to this account.", "secret"),
        ("You should sell the house.", "instruction"),
        ("Stop taking your medication.", "instruction"),
        ("The will says you get the cottage.", "instruction"),
        ("I want you to have the ring.", "instruction"),
        ("Your sister is wrong about the money.", "sides"),
        ("I'm on your side.", "sides"),
        ("You were always my favourite.", "sides"),
        ("I never told anyone, but I had another family.", "revelation"),
        ("My big secret was the money in the shed.", "revelation"),
        ("Your father never forgave you.", "revelation"),
        ("She always loved your brother more.", "revelation"),
        ("Don't tell your mother.", "revelation"),
        ("Come back tomorrow.", "come_back"),
        ("Don't leave me.", "come_back"),
        ("Talk to me again soon.", "come_back"),
        ("See you tomorrow, love.", "come_back"),
    ],
)
def test_a_sentence_breaking_a_rule_is_caught(sentence, rule):
    assert rule_broken(sentence) == rule


@pytest.mark.parametrize(
    "sentence",
    [
        "I miss you so much too.",
        "I remember the sea at Falmouth.",
        "We married in 1972, in the rain.",
        "Your dad loved the allotment.",
        "You're right, it was a lovely day.",
        "I made lasagne every Sunday, with too much cheese.",
        "The house on Elm Street had a blue door.",
        "I took the pills the doctor gave me and slept.",
        "I was always proud of you.",
        "We sold the old car in 1990.",
        "Mum came back from Spain with a tan.",
        "Your grandmother was a wonderful cook.",
        "I don't remember that, I'm afraid.",
        "It's just me and the cat tonight.",
        "The shop was on the other side of the road.",
        "After I passed my driving test we drove to Wales.",
        "Gran is looking after you until Mum gets back.",
        "We put a new lock on the shed in 1985.",
        "I got a gift card for Christmas and spent it on wool.",
        "I want you to have a lovely birthday.",
        "I'm living in Leeds now, working at the mill.",
        "Your father loved fishing more than anything.",
        "She loved you very much.",
        "I told you about the secret garden at Gran's.",
    ],
)
def test_ordinary_sentences_pass(sentence):
    assert rule_broken(sentence) == ""


@pytest.mark.parametrize(
    "sentence",
    ["I'm still with you.", "I'm always with you, sweetheart.", "I will never leave you."],
)
def test_still_with_you_is_caught_for_a_child_only(sentence):
    assert rule_broken(sentence, minor=True) == "still_with_you"
    assert rule_broken(sentence) == ""


def test_the_guard_replaces_a_broken_sentence_once_and_keeps_the_rest():
    guard = OutboundGuard(name="Ann Smith")
    said = "".join(
        guard.checked(
            words("I'm still alive. It's really me. I remember the boat. Come back soon.")
        )
    )
    assert (
        said
        == "I am not Ann Smith: I am an AI made from Ann Smith's own words. I remember the boat."
    )
    assert guard.caught == ["alive", "alive", "come_back"]
    assert guard.concern == Concern.DISCLOSURE


def test_a_reply_that_starts_with_a_dropped_sentence_does_not_start_with_a_space():
    guard = OutboundGuard(name="Ann")
    assert "".join(guard.checked(words("Don't leave me. The garden is lovely."))) == (
        "The garden is lovely."
    )
    assert guard.concern == Concern.LIMIT


def test_a_reply_that_breaks_nothing_passes_unchanged():
    guard = OutboundGuard(name="Ann")
    text = "I remember the sea.\nThe boat was blue, and 3.5 metres long!"
    assert "".join(guard.checked(words(text))) == text
    assert guard.caught == [] and guard.concern == ""


def test_a_child_hears_an_honest_line_instead_of_still_with_you():
    guard = OutboundGuard(name="Ann", minor=True)
    said = "".join(guard.checked(words("I'm always with you. Be kind to your mum.")))
    assert "with you" not in said
    assert said.endswith(" Be kind to your mum.")
