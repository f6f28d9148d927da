"""The parsers against real exports made by other people (../shared/data/exports)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from corpus.parsers import FileOutcome, ParsedDocument, parse_upload_collected

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
EXPORTS = DATA / "exports"
CHATS = EXPORTS / "chat-miner"
EMAILS = EXPORTS / "email"
MIKEL = EMAILS / "mikel-mail" / "spec" / "fixtures" / "emails"
ZBATESON = EMAILS / "zbateson-mmp" / "emails"

pytestmark = pytest.mark.skipif(not EXPORTS.is_dir(), reason=f"shared test data missing: {DATA}")


def parse_one(path: Path, name: str | None = None) -> FileOutcome:
    outcomes = parse_upload_collected(path, name or str(path.relative_to(EXPORTS)))
    assert len(outcomes) == 1
    return outcomes[0]


def only_document(path: Path, name: str | None = None) -> ParsedDocument:
    outcome = parse_one(path, name)
    assert outcome.error == ""
    assert len(outcome.documents) == 1
    return outcome.documents[0]


def as_target(document: ParsedDocument) -> list[tuple[str, str, str]]:
    """Messages in chat-miner's target.json shape: naive UTC time, author, one-line text."""
    return [
        (
            message.sent_at.astimezone(UTC).replace(tzinfo=None).isoformat(),
            message.author,
            " ".join(message.text.split()),
        )
        for message in document.messages
        if message.sent_at is not None
    ]


def load_target(folder: str) -> list[tuple[str, str, str]]:
    rows = json.loads((CHATS / folder / "target.json").read_text(encoding="utf-8"))
    # Targets list newest or oldest first; the parsers give a chat in chronological order.
    return sorted((row["timestamp"], row["author"], row["message"]) for row in rows)


WHATSAPP_FILES = sorted((CHATS / "whatsapp").glob("*.txt")) if CHATS.is_dir() else []


@pytest.mark.parametrize("path", WHATSAPP_FILES, ids=lambda path: path.name)
def test_whatsapp_every_date_format_matches_target(path: Path) -> None:
    document = only_document(path)

    assert parse_one(path).format == "whatsapp"
    assert document.kind == "chat"
    assert as_target(document) == load_target("whatsapp")
    assert document.date == datetime(2019, 1, 1, 11, 25, tzinfo=UTC)
    assert document.participants == ["John Doe", "Jahn Doe", "John-John Doe", "John Doe 🤓", "🤓"]


def test_whatsapp_keeps_line_breaks_of_multiline_messages() -> None:
    document = only_document(CHATS / "whatsapp" / "test_ddmmyy_24hrs.txt")

    assert document.messages[1].text == (
        "Lorem ipsum dolor sit amet,\nconsectetur adipiscing elit. Duis libero."
    )


def test_whatsapp_drops_system_lines() -> None:
    document = only_document(CHATS / "whatsapp" / "test_mmddyyyy_12hrs.txt")

    texts = " ".join(message.text for message in document.messages)
    assert "created group" not in texts
    assert "You were added" not in texts
    assert all(message.author != "+12 345 578 created group" for message in document.messages)


def test_signal_matches_target() -> None:
    outcome = parse_one(CHATS / "signal" / "test_export.txt")

    assert outcome.format == "signal"
    assert as_target(outcome.documents[0]) == load_target("signal")


def test_instagram_matches_target_in_chronological_order() -> None:
    outcome = parse_one(CHATS / "instagram" / "test_export.json")

    assert outcome.format == "instagram"
    assert as_target(outcome.documents[0]) == load_target("instagram")


@pytest.mark.parametrize("name", ["test_single_export.json", "test_batch_export.json"])
def test_telegram_matches_target(name: str) -> None:
    outcome = parse_one(CHATS / "telegram" / name)
    document = outcome.documents[0]

    assert outcome.format == "telegram"
    assert len(outcome.documents) == 1
    # chat-miner joins formatted parts with a space; Telegram shows them run together.
    expected = [(when, who, text.replace(" ", "")) for when, who, text in load_target("telegram")]
    actual = [(when, who, text.replace(" ", "")) for when, who, text in as_target(document)]
    assert actual == expected
    assert document.messages[1].text == "Link:https://telegram.org/"


def test_telegram_batch_export_takes_the_chat_name_as_title() -> None:
    document = only_document(CHATS / "telegram" / "test_batch_export.json")

    assert document.title == "Chatname"


def test_gmail_takeout_mbox_reads_messages_labels_and_senders() -> None:
    outcome = parse_one(EXPORTS / "google-takeout" / "small.gmail.mbox")
    first = outcome.documents[0]

    assert outcome.format == "mbox"
    assert len(outcome.documents) == 5  # of 6 messages, one has no text of its own
    assert all(document.kind == "email" for document in outcome.documents)
    assert first.labels == ["Unread"]
    assert sorted({label for doc in outcome.documents for label in doc.labels}) == [
        "Chat",
        "Unread",
    ]
    assert first.title == "[fw-general] Zend_Form and generating fields"
    assert first.messages[0].author == "Keld Jørn Simonsen"
    assert first.messages[0].author_id == "keld@dkuug.dk"
    assert first.participants == ["fw-general@lists.zend.com"]
    assert first.date == datetime(2008, 8, 5, 1, 0, 12, tzinfo=timezone(timedelta(hours=-7)))
    assert first.external_id == "<18826312.post@talk.nabble.com>"
    assert first.messages[0].text.startswith("Unfortunately it is slow!")


def test_eml_reads_headers_and_body() -> None:
    document = only_document(MIKEL / "rfc2822" / "example01.eml")

    assert document.kind == "email"
    assert document.source == "eml"
    assert document.title == "Saying Hello"
    assert document.messages[0].author == "John Doe"
    assert document.messages[0].author_id == "jdoe@machine.example"
    assert document.participants == ["mary@example.net"]
    assert document.messages[0].text == 'This is a message just to say hello.\nSo, "Hello".'
    assert document.date == datetime(1997, 11, 21, 9, 55, 6, tzinfo=timezone(timedelta(hours=-6)))


@pytest.mark.parametrize(
    ("path", "title", "text"),
    [
        (MIKEL / "multi_charset" / "japanese_iso_2022.eml", "まみむめも", "すみません。"),
        (MIKEL / "multi_charset" / "ks_c_5601-1987.eml", "test", "스티해"),
        (MIKEL / "rfc6532" / "utf8_headers.eml", "Säying Hello", "body"),
        (
            MIKEL / "plain_emails" / "raw_email.eml",
            "NOTE: 한국말로 하는 것",
            "제 이름은 Jamis입니다.",
        ),
    ],
    ids=lambda value: value.name if isinstance(value, Path) else "",
)
def test_eml_decodes_charsets(path: Path, title: str, text: str) -> None:
    document = only_document(path)

    assert document.title == title
    assert text in document.messages[0].text


def test_eml_with_raw_utf8_headers_reads_names_and_addresses() -> None:
    document = only_document(MIKEL / "rfc6532" / "utf8_headers.eml")

    assert document.messages[0].author == "Jöhn Doe"
    assert document.messages[0].author_id == "jdöe@mächine.example"


@pytest.mark.parametrize("name", ["m0009.txt", "m1010.txt", "github-102-02.txt"])
def test_eml_with_wrong_or_missing_charset_is_still_read(name: str) -> None:
    # m0009 sends 8-bit text with no charset; m1010 declares UTF-8 but sends Latin-1.
    document = only_document(ZBATESON / name)

    assert "Die Hasen und die Frösche" in document.messages[0].text
    assert "\ufffd" not in document.messages[0].text


@pytest.mark.parametrize(
    "name", ["raw_email_with_illegal_boundary.eml", "raw_email_with_quoted_illegal_boundary.eml"]
)
def test_eml_with_outlook_style_boundary_finds_the_body(name: str) -> None:
    document = only_document(MIKEL / "mime_emails" / name)

    assert document.messages[0].text.startswith("Hello\nThis is an outlook test")


@pytest.mark.parametrize(
    "path",
    [
        MIKEL / "plain_emails" / "raw_email_with_bad_date.eml",
        MIKEL / "plain_emails" / "raw_email_bad_time.eml",  # dated in the year 3609
    ],
    ids=lambda path: path.name,
)
def test_eml_with_unusable_date_has_no_date(path: Path) -> None:
    document = only_document(path)

    assert document.date is None
    assert document.messages[0].sent_at is None


def test_eml_with_only_an_attachment_is_reported_not_dropped() -> None:
    outcome = parse_one(MIKEL / "attachment_emails" / "attachment_only_email.eml")

    assert outcome.documents == []
    assert "no text of its own" in outcome.error


def test_old_word_file_gets_a_specific_error() -> None:
    outcome = parse_one(ZBATESON / "files" / "test.doc")

    assert "older Microsoft Office file" in outcome.error


def test_json_that_is_no_chat_export_gets_a_specific_error() -> None:
    takeout = EXPORTS / "google-takeout" / "zip_contents" / "Takeout"
    outcome = parse_one(takeout / "My Activity" / "Maps" / "My Activity.json")

    assert outcome.documents == []
    assert outcome.error.startswith("My Activity.json is a JSON file, but not a chat export")


def test_keats_letters_parse_as_text() -> None:
    outcome = parse_one(DATA / "demo" / "keats_letters_pg35698.txt", "keats_letters_pg35698.txt")

    assert outcome.format == "text"
    assert outcome.documents
    text = "\n".join(document.messages[0].text for document in outcome.documents)
    assert "My dear Reynolds" in text
    assert len(text) > 700_000  # nothing of the book lost between entries


ALL_EXPORT_FILES = sorted(p for p in EXPORTS.rglob("*") if p.is_file()) if EXPORTS.is_dir() else []


@pytest.mark.parametrize("path", ALL_EXPORT_FILES, ids=lambda path: str(path.relative_to(EXPORTS)))
def test_every_export_file_parses_or_reports_a_clear_error(path: Path) -> None:
    outcomes = parse_upload_collected(path, str(path.relative_to(EXPORTS)))

    assert outcomes
    for outcome in outcomes:
        assert bool(outcome.documents) != bool(outcome.error), outcome
        for document in outcome.documents:
            assert document.source_path == outcome.name
            assert document.messages
            assert all(message.text.strip() for message in document.messages)
            dates = [document.date, *(message.sent_at for message in document.messages)]
            assert all(date is None or date.tzinfo is not None for date in dates)
