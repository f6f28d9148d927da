from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twins.providers import LlmMessage, PersonaPrompt, llm_provider
from twins.providers.offline import (
    CLOSING,
    FRAMING_LINES,
    NOTHING_FOUND,
    OPENING,
    offline_answer,
    sentences_split,
)


def test_sentences_split_at_end_punctuation_and_line_breaks_only():
    text = 'We moved in 1972. "Was it hard?" she asked.\nIt was! Dr. Smith agreed'
    assert sentences_split(text) == [
        "We moved in 1972.",
        '"Was it hard?"',
        "she asked.",
        "It was!",
        "Dr.",  # the simple rule: an abbreviation ends a sentence too
        "Smith agreed",
    ]


def test_sentences_split_keeps_each_piece_verbatim():
    text = "  One.  Two?\r\n\r\nThree… four!”  Five "
    pieces = sentences_split(text)
    assert pieces == ["One.", "Two?", "Three… four!”", "Five"]
    assert all(piece in text for piece in pieces)


def test_it_answers_with_the_sentences_sharing_most_words_with_the_question():
    passages = [
        "We had a dog. I grew up in Leeds, near the canal.",
        "Leeds was grey. The canal froze every winter in Leeds.",
    ]
    answer = offline_answer(question="What was the canal in Leeds like?", passages=passages)
    assert answer.sentences == (
        "I grew up in Leeds, near the canal.",
        "The canal froze every winter in Leeds.",
        "Leeds was grey.",
    )
    assert answer.text.splitlines() == [OPENING, *answer.sentences, CLOSING]


def test_it_says_plainly_when_nothing_matches():
    answer = offline_answer(question="What about Paris?", passages=["We had a dog."])
    assert answer.sentences == ()
    assert answer.text.splitlines() == [NOTHING_FOUND, CLOSING]


def test_the_provider_answers_the_last_question_from_the_prompt_passages():
    provider = llm_provider("offline")
    stream = provider.reply_stream(
        system=PersonaPrompt(persona="You are Ann.", passages=("I loved the sea. I hated rain.",)),
        messages=[
            LlmMessage(role="user", content="Tell me about the rain"),
            LlmMessage(role="assistant", content="…"),
            LlmMessage(role="user", content="And the sea?"),
        ],
        max_tokens=200,
    )
    assert "".join(stream).splitlines() == [OPENING, "I loved the sea.", CLOSING]
    assert (
        provider.label
        == "Offline: sentences they wrote, picked by matching words (no language model)"
    )
    assert stream.cost == 0


# Letters few enough to share words often, with end punctuation, quotes and line breaks.
_ALPHABET = string.ascii_letters[:12] + " .!?\n\r\t'\"\u201d\u2019,\u00e9-"
_TEXT = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=120)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=_TEXT, passages=st.lists(_TEXT, max_size=6))
def test_it_never_says_a_sentence_that_is_not_in_the_passages(question, passages):
    answer = offline_answer(question=question, passages=passages)
    body = [line for line in answer.text.split("\n") if line not in FRAMING_LINES]
    assert body == list(answer.sentences)
    for line in body:
        assert line.strip() == line and line
        assert any(line in passage for passage in passages)
