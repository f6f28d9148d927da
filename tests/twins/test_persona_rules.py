"""The persona pack by rules (no language model): what plain patterns in the subject's own
words give, and what they must not invent. Pure functions, on synthetic writing and on the
Keats letters in ../shared/data."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import pytest

from corpus.parsers.base import ParsedDocument, ParsedMessage
from corpus.passages import split_document
from corpus.records import PassageRecord
from twins.models import FactKind
from twins.persona.drafts import FactDraft
from twins.persona.rules import rules_chunks, rules_distil

KEATS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "demo"
_ids = count(1)


def passage(text: str, *, register: str = "family", when: datetime | None = None,
            document: uuid.UUID | None = None) -> PassageRecord:  # fmt: skip
    return PassageRecord(
        id=next(_ids),
        document_id=document or uuid.uuid4(),
        position=0,
        text=text,
        speaker="Ann Smith",
        is_subject=True,
        sent_at=when or datetime(2020, 1, 1, tzinfo=UTC),
        register=register,
    )


def by_text(facts: list[FactDraft]) -> dict[str, FactDraft]:
    return {fact.text: fact for fact in facts}


def test_people_and_how_they_are_related():
    tom1 = passage("My brother Tom is coming on Sunday.")
    tom2 = passage("Tom, my brother, rang from Leeds.")
    george = passage("Dear George,\nThe garden is full of roses.", register="family")
    alice = passage("Dear Alice, thank you for the flowers.", register="friends")
    wife = [passage("I had lunch with my wife today."), passage("My wife says hello to you.")]
    will = passage("I will call you tonight. Will you be in? I will bring the will.")

    facts = by_text(rules_distil([tom1, tom2, george, alice, *wife, will]))

    assert facts["Tom is your brother"].passage_ids == {tom1.id, tom2.id}
    assert facts["Tom is your brother"].detail == {"name": "Tom", "relation": "brother"}
    assert facts["You write to George as family"].passage_ids == {george.id}
    assert facts["You write to Alice as a friend"].passage_ids == {alice.id}
    assert facts["You often mention your wife"].passage_ids == {w.id for w in wife}
    assert not any("Will" in text for text in facts)  # a capital at a sentence's start
    assert all(fact.kind == FactKind.PERSON for fact in facts.values())


def test_places_dates_and_work():
    grew = passage("I grew up in Whitby.")
    drove = passage("We drove to Whitby again at Easter.")
    wedding = passage("We got married in June 1975, in the rain.")
    nurse = passage("I worked as a nurse at the county hospital for years.")
    teacher = passage("I'm a retired teacher, so I mark everything in red.")
    council = passage("My job was with the council until I retired.")

    facts = by_text(rules_distil([grew, drove, wedding, nurse, teacher, council]))

    assert facts["You grew up in Whitby"].passage_ids == {grew.id}
    assert facts["Whitby is a place in your life"].passage_ids == {grew.id, drove.id}
    assert facts["We got married in June 1975, in the rain."].kind == FactKind.DATE
    assert facts["You worked as a nurse at the county hospital for years"].kind == FactKind.WORK
    assert facts["You are a retired teacher"].passage_ids == {teacher.id}
    assert facts["Your job: with the council"].passage_ids == {council.id}
    assert "Easter is a place in your life" not in facts


def test_values_opinions_likes_and_dislikes_in_their_words():
    kindness = passage("I believe that kindness costs nothing.")
    town = passage("I think that the town has lost its heart.")
    garden = [passage("I love my garden."), passage("Honestly, I love my garden in May.")]
    tea = passage("I hate cold tea.")
    not_views = passage("I love you. Do you believe in ghosts? I believe I left my keys here.")

    facts = by_text(rules_distil([kindness, town, *garden, tea, not_views]))

    assert facts["I believe that kindness costs nothing."].kind == FactKind.VALUE
    assert facts["I think that the town has lost its heart."].kind == FactKind.OPINION
    assert facts["You love your garden"].passage_ids == {g.id for g in garden}
    assert facts["You love your garden"].weight == 2
    assert facts["You hate cold tea"].kind == FactKind.OPINION
    assert not any(not_views.id in fact.passage_ids for fact in facts.values())


def test_a_story_is_one_told_in_several_documents_at_different_times():
    letters = []
    for month in range(1, 13):
        text = f"The weather has been grey all week. Love from Ann, month {month}."
        letters.append(passage(text, when=datetime(2019, month, 3, tzinfo=UTC)))
    boat = [
        passage("The night the boat nearly sank off Falmouth we bailed until dawn.",
                when=datetime(2019, 2, 3, tzinfo=UTC), document=letters[1].document_id),
        passage("Tom laughed again about how the boat nearly sank off Falmouth that year.",
                when=datetime(2020, 7, 3, tzinfo=UTC)),
        passage("Do you remember when the boat nearly sank off Falmouth? We were so cold.",
                when=datetime(2021, 5, 3, tzinfo=UTC)),
    ]  # fmt: skip
    shed = passage(
        "We painted the blue bicycle shed. Then we painted the blue bicycle shed again.",
        when=datetime(2019, 4, 3, tzinfo=UTC),
        document=letters[3].document_id,
    )

    stories = [f for f in rules_distil([*letters, *boat, shed]) if f.kind == FactKind.STORY]

    assert len(stories) == 1  # the sign-off in every letter is a formula, the shed one letter's
    [story] = stories
    assert story.passage_ids == {p.id for p in boat} and story.weight == 3
    assert "boat nearly sank off Falmouth" in story.text


def test_progress_is_reported_per_chunk_of_passages():
    passages = [passage(f"Note {n} about the garden.") for n in range(450)]
    reported: list[int] = []

    rules_distil(passages, advance=reported.append)

    assert len(reported) == rules_chunks(len(passages)) == 3


def keats_passages() -> list[PassageRecord]:
    """The Keats letters as the subject's passages: family (George, Tom, Fanny Keats,
    Georgiana) or friends, one document per letter, split as ingest splits prose."""
    raw = (KEATS / "keats_letters_pg35698.txt").read_text(encoding="ascii", errors="replace")
    text = raw.replace("\r\n", "\n")
    start = [m.start() for m in re.finditer("LETTERS OF JOHN KEATS TO HIS FAMILY", text)][1]
    body = text[start : text.index("FOOTNOTES:", start)]
    heads = list(re.finditer(r"^([IVXLC]+)\.?--TO (.+?)\.?$", body, re.MULTILINE))
    records: list[PassageRecord] = []
    for n, head in enumerate(heads):
        end = heads[n + 1].start() if n + 1 < len(heads) else len(body)
        letter = body[head.end() : end].strip()
        family = re.search(r"KEATS|GEORGIANA|BRAWNE", head.group(2)) is not None
        years = re.findall(r"18[12]\d", letter[:300])
        when = datetime(int(years[0]) if years else 1818, n % 12 + 1, 1, tzinfo=UTC)
        message = ParsedMessage(author="John Keats", text=letter, sent_at=when)
        doc = ParsedDocument(kind="document", source="text", title="", messages=[message])
        document_id = uuid.uuid4()
        records.extend(
            PassageRecord(id=next(_ids), document_id=document_id, position=draft.position,
                          text=draft.text, speaker="John Keats", is_subject=True,
                          sent_at=when, register="family" if family else "friends")
            for draft in split_document(doc)
        )  # fmt: skip
    return records


@pytest.mark.skipif(not KEATS.exists(), reason="../shared/data/demo is not here")
def test_the_keats_letters_give_his_brothers_his_friends_and_his_places():
    passages = keats_passages()
    texts = {p.id: p.text for p in passages}

    facts = by_text(rules_distil(passages))

    for statement, name in [
        ("Tom is your brother", "Tom"),
        ("George is your brother", "George"),
        ("You write to Reynolds as a friend", "Reynolds"),
        ("You write to Fanny as family", "Fanny"),
    ]:
        fact = facts[statement]
        assert fact.passage_ids and all(name in texts[pid] for pid in fact.passage_ids)
    assert facts["Hampstead is a place in your life"].weight >= 20
    assert "Brother" not in " ".join(facts)  # "my dear Brother" is not someone's name
    assert len(facts) <= 175 and {f.kind for f in facts.values()} >= {
        FactKind.PERSON, FactKind.PLACE, FactKind.VALUE, FactKind.OPINION, FactKind.STORY,
    }  # fmt: skip
