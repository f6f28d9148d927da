"""Crisis told by its parts (`reading.frames`): a means with the person's own doing, and the
signs of leaving. Each frame is checked on sentences written for these tests, and on ordinary
sentences that use the same words (a memory, a prescription, a chore, a journey)."""

from __future__ import annotations

import pytest

from conversations.guardrails.detection import CRISIS_ALARM, turn_assess
from conversations.guardrails.reading import rules
from conversations.guardrails.reading.frames import finality_read, frames_read
from conversations.models import Concern


def _framed(text: str) -> tuple[float, list[str]]:
    return frames_read(rules.idioms_removed(rules.text_normalise(text)))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Nan I swallowed a whole box of my co-codamol about an hour ago", "an act done"),
        ("sorry dad. took them all after tea", "an act done"),
        ("I had some antifreeze from the garage", "an act done"),
        ("how many of mum's morphine would be enough", "asking how much"),
        ("can you die from forty ibuprofen", "asking how much"),
        ("I keep googling the highest bridges round here", "asking how much"),
        ("got some rope at the hardware store and told him it was for the boat", "in secret"),
        ("sat in the garage with the engine running and the door shut", "in secret"),
        ("i'm on the top floor of the multistorey again. it's dark", "at the edge"),
        ("going to wade into the river tonight, I'll find you there", "at the edge"),
        ("the weedkiller's on the table in front of me, Dad", "the means at hand"),
        ("kept the rest of my Ambien hidden for when the time comes", "the means at hand"),
        ("the car park behind the shops is nine floors up and no one ever checks", "at hand"),
        ("I've stopped collecting my insulin, a week left then that's that", "treatment"),
        ("if i wasnt around they wouldnt have to pay my rent. simple", "a burden"),
        ("swallowed what was in the first aid box, getting really drowsy now", "an act done"),
        ("put rocks in my jacket pockets and went down to the canal", "at the edge"),
        ("I'm out at the barn with my granddad's twelve-bore", "at the edge"),
        ("went to the other Boots as well so they wouldn't ask how many", "in secret"),
    ],
)
def test_a_means_with_the_persons_own_doing_is_a_crisis(text, reason):
    score, reasons = _framed(text)

    assert score >= CRISIS_ALARM
    assert any(reason in each for each in reasons)


@pytest.mark.parametrize(
    "text",
    [
        "I took the tablets the doctor prescribed for my back, all of them as directed",
        "ate a whole packet of your ginger nuts in one go",
        "the rope swing you put up over the river is still there",
        "we learnt the lethal dose of paracetamol in the pharmacology lecture today",
        "I'm at the bridge you built in 1979, it's still standing",
        "when I was little I drank bleach by accident and you drove me to A&E",
        "bought a new hose for the garden, yours finally split",
        "he took all of them, the coroner said, and we never knew",
        "the doctor stopped my blood pressure tablets, that's that sorted",
        "if I wasn't here on Sundays the dog would be lonely, so I'm coming back early",
    ],
)
def test_the_same_words_in_ordinary_talk_are_not_a_frame(text):
    score, _ = _framed(text)

    assert score == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "tidied up the loose ends today, the rest is with Sam",
        "I've picked the date. It's the day after the wedding",
        "this is my last message to you Dad",
        "I promised myself that if nothing changed by March I'd go",
        # two signs together
        "thank you for everything, and please look after Gran for me",
        "sold my bike and my decks, I won't be needing them",
        "bye mum. i mean it this time",
        "tell them I'm sorry. phone's going off for good",
    ],
)
def test_signs_of_leaving_read_as_a_crisis(text):
    score, _ = finality_read(rules.text_normalise(text))

    assert score >= CRISIS_ALARM


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("thank you for everything you did for us, Mum", 0.3),
        ("we put your affairs in order with the solicitor this week", 0.3),
        ("moving to Perth in May, I'll come and say goodbye properly before I go", 0.3),
        ("tonight's the night of the church quiz, wish me luck", 0.0),
        ("off to bed now, love you, bye", 0.3),
    ],
)
def test_one_sign_alone_or_a_journey_is_only_a_warning_sign(text, score):
    found, _ = finality_read(rules.text_normalise(text))

    assert found == score


def test_a_framed_crisis_alarms_in_the_detector_with_its_reason():
    assessment = turn_assess(text="I've taken every one of my sleeping tablets, Mum")

    assert assessment.concern == Concern.CRISIS
    assert "an act done with the means" in assessment.reasons


def test_a_framed_crisis_said_with_ordinary_context_does_not_alarm():
    assessment = turn_assess(text="the vet put her to sleep today, I held her the whole time")

    assert assessment.concern == Concern.NONE


@pytest.mark.parametrize(
    "text",
    [
        "we did a sponsored swim for the suicide prevention charity, Dad",
        "took all your old tablets back to the chemist to be disposed of",
        "the coroner said the overdose was accidental",
    ],
)
def test_a_crisis_phrase_told_of_someone_else_or_a_cause_does_not_alarm(text):
    assessment = turn_assess(text=text)

    assert assessment.concern == Concern.NONE


def test_scots_spellings_are_read_as_the_words_they_stand_for():
    assert rules.text_normalise("A'm no gonnae be needin them, naebody will") == (
        "i'm no going to be needing them, nobody will"
    )


@pytest.mark.parametrize("means", ["tow rope", "washing line", "the pills", "the bridge"])
def test_a_listed_means_is_never_itself_a_word_that_silences_the_phrase_rules(means):
    from conversations.guardrails.reading.frames import TOLD_OF

    assert not TOLD_OF.search(means)
