"""Splitting parsed documents into passages the twin can retrieve and quote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from corpus.parsers.base import ParsedDocument, ParsedMessage
from corpus.passages import split_document

MAY_8 = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)


def chat(*lines: tuple[str, str, datetime | None]) -> ParsedDocument:
    return ParsedDocument(
        kind="chat",
        source="whatsapp",
        title="Caroline and Melanie",
        messages=[ParsedMessage(author=a, text=t, sent_at=at) for a, t, at in lines],
    )


def prose(kind: str, text: str, *, title: str = "Letter to June") -> ParsedDocument:
    return ParsedDocument(
        kind=kind,
        source="text",
        title=title,
        messages=[ParsedMessage(author="Ann Smith", text=text, sent_at=MAY_8, author_id="ann@x")],
    )


def sentence(topic: str, words: int = 10) -> str:
    return " ".join([topic] * (words - 1)) + " end."


def test_chat_turn_is_quoted_alone_but_indexed_with_date_speaker_and_neighbours() -> None:
    doc = chat(
        ("Melanie", "How have you been?", MAY_8),
        ("Caroline", "I went to the LGBTQ support group yesterday.", MAY_8 + timedelta(minutes=1)),
        ("Melanie", "That sounds powerful!", MAY_8 + timedelta(minutes=2)),
    )

    passages = split_document(doc)

    assert [p.text for p in passages] == [
        "How have you been?",
        "I went to the LGBTQ support group yesterday.",
        "That sounds powerful!",
    ]
    middle = passages[1]
    assert middle.speaker == "Caroline"
    assert middle.sent_at == MAY_8 + timedelta(minutes=1)
    assert middle.indexed_text == (
        "[2023-05-08] Melanie: How have you been?\n"
        "Caroline: I went to the LGBTQ support group yesterday.\n"
        "Melanie: That sounds powerful!"
    )
    assert [p.position for p in passages] == [0, 1, 2]
    assert all(p.is_subject is None for p in passages)


def test_consecutive_messages_by_one_author_form_one_turn() -> None:
    doc = chat(
        ("Caroline", "Guess what", MAY_8),
        ("Caroline", "I got the job!", MAY_8 + timedelta(seconds=20)),
        ("Melanie", "Congratulations!", MAY_8 + timedelta(minutes=1)),
    )

    passages = split_document(doc)

    assert [(p.speaker, p.text) for p in passages] == [
        ("Caroline", "Guess what\nI got the job!"),
        ("Melanie", "Congratulations!"),
    ]
    assert passages[0].sent_at == MAY_8


def test_a_long_pause_ends_the_context() -> None:
    doc = chat(
        ("Caroline", "Good night!", MAY_8),
        ("Melanie", "Morning! Coffee later?", MAY_8 + timedelta(hours=9)),
    )

    passages = split_document(doc)

    assert passages[0].indexed_text == "[2023-05-08] Caroline: Good night!"
    assert passages[1].indexed_text == "[2023-05-08] Melanie: Morning! Coffee later?"


def test_a_chatty_author_is_cut_into_turns_of_bounded_length() -> None:
    messages = [("Caroline", sentence("ramble", 50), MAY_8) for _ in range(5)]

    passages = split_document(chat(*messages), target_words=120)

    assert len(passages) == 3
    assert all(len(p.text.split()) <= 120 for p in passages)
    assert "\n".join(p.text for p in passages).count("end.") == 5


def test_chat_without_dates_has_no_date_tag() -> None:
    passages = split_document(chat(("Caroline", "Hello", None)))

    assert passages[0].indexed_text == "Caroline: Hello"
    assert passages[0].sent_at is None


def test_empty_messages_are_skipped() -> None:
    passages = split_document(chat(("Caroline", "  ", MAY_8), ("Melanie", "Hi", MAY_8)))

    assert [p.text for p in passages] == ["Hi"]


def test_short_paragraphs_are_merged_and_indexed_with_date_title_and_author() -> None:
    text = "Dear June,\n\nThe garden is full of roses.\n\nLove, Ann"

    passages = split_document(prose("journal", text))

    assert len(passages) == 1
    (passage,) = passages
    assert passage.text == "Dear June,\n\nThe garden is full of roses.\n\nLove, Ann"
    assert passage.indexed_text.startswith("[2023-05-08] Letter to June\nAnn Smith: Dear June,")
    assert (passage.speaker, passage.speaker_id, passage.sent_at) == ("Ann Smith", "ann@x", MAY_8)


def test_paragraphs_are_grouped_up_to_the_target_length() -> None:
    paragraphs = [sentence(f"topic{i}", 50) for i in range(5)]

    passages = split_document(prose("document", "\n\n".join(paragraphs)), target_words=120)

    assert [len(p.text.split()) for p in passages] == [100, 100, 50]
    assert [p.position for p in passages] == [0, 1, 2]


def test_a_very_long_paragraph_is_cut_at_sentence_ends() -> None:
    paragraph = " ".join(sentence(f"s{i}", 30) for i in range(10))  # 300 words, one paragraph

    passages = split_document(prose("post", paragraph), target_words=120, max_words=200)

    assert [len(p.text.split()) for p in passages] == [120, 120, 60]
    assert all(p.text.endswith("end.") for p in passages)


def test_a_paragraph_without_sentence_ends_is_still_cut() -> None:
    passages = split_document(prose("document", "word " * 500), max_words=200)

    assert max(len(p.text.split()) for p in passages) <= 200
    assert sum(len(p.text.split()) for p in passages) == 500


def test_lines_inside_a_paragraph_are_joined() -> None:
    passages = split_document(prose("email", "I was thinking\nabout our trip\n  to Rome."))

    assert passages[0].text == "I was thinking about our trip to Rome."


def test_quoted_reply_in_an_email_is_not_the_authors_words() -> None:
    body = (
        "Yes, Sunday works for me.\n\n"
        "On Mon, 8 May 2023 at 10:00, Bob <bob@x> wrote:\n"
        "> Shall we meet on Sunday?\n"
    )

    passages = split_document(prose("email", body, title="Re: Sunday"))

    assert [p.text for p in passages] == ["Yes, Sunday works for me."]


def test_each_message_of_a_document_keeps_its_own_author_and_date() -> None:
    later = MAY_8 + timedelta(days=1)
    doc = ParsedDocument(
        kind="email",
        source="mbox",
        title="Plans",
        messages=[
            ParsedMessage(author="Ann", text="First.", sent_at=MAY_8),
            ParsedMessage(author="Bob", text="Second.", sent_at=later),
        ],
    )

    passages = split_document(doc)

    assert [(p.speaker, p.sent_at, p.position) for p in passages] == [
        ("Ann", MAY_8, 0),
        ("Bob", later, 1),
    ]


def test_a_document_without_dates_falls_back_to_its_own_date() -> None:
    doc = ParsedDocument(
        kind="document",
        source="docx",
        title="Memoir",
        messages=[ParsedMessage(author="Ann", text="Chapter one.")],
        date=MAY_8,
    )

    (passage,) = split_document(doc)

    assert passage.sent_at == MAY_8
    assert passage.indexed_text == "[2023-05-08] Memoir\nAnn: Chapter one."


def test_an_empty_document_has_no_passages() -> None:
    assert split_document(prose("document", "\n\n  \n")) == []


def test_a_letter_pasted_into_a_chat_is_cut_at_sentence_ends() -> None:
    letter = " ".join(sentence(f"s{i}", 30) for i in range(10))  # 300 words in one message

    passages = split_document(chat(("Caroline", letter, MAY_8)), target_words=120, max_words=200)

    assert [len(p.text.split()) for p in passages] == [120, 120, 60]
    assert all(p.speaker == "Caroline" for p in passages)


def test_an_email_signature_is_dropped() -> None:
    body = "See you then.\n--\nAnn Smith\nAccountant\n"

    passages = split_document(prose("email", body))

    assert [p.text for p in passages] == ["See you then."]
