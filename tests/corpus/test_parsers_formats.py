"""Each format's parser against small synthetic files that pin down its rules."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter

import corpus.parsers.email
from corpus.parsers import FileOutcome, ParsedDocument, detect_format, parse_upload_collected
from corpus.parsers.email_body import html_to_text, strip_replies


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / Path(name).name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def parse(tmp_path: Path, name: str, content: str | bytes) -> FileOutcome:
    outcomes = parse_upload_collected(write(tmp_path, name, content), name)
    assert len(outcomes) == 1
    return outcomes[0]


def documents(tmp_path: Path, name: str, content: str | bytes) -> list[ParsedDocument]:
    outcome = parse(tmp_path, name, content)
    assert outcome.error == ""
    return outcome.documents


# --- email -------------------------------------------------------------------------------

REPLY_EMAIL = """\
From: Ann Smith <Ann.Smith@Example.com>
To: bob@example.com, "Carol Jones" <carol@example.com>
Cc: Dan <DAN@example.com>
Subject: Re: Sunday
Date: Tue, 5 Aug 2008 01:00:12 -0700
Message-ID: <abc123@example.com>
Content-Type: text/plain; charset=utf-8

Yes, let's meet at the café on Sunday.
Bring the photos.

--\x20
Ann Smith
Head of Gardening

On Mon, Aug 4, 2008 at 9:00 PM, Bob Brown <bob@example.com>
wrote:
> Shall we meet on Sunday?
> Bob
"""


def test_email_keeps_own_words_and_drops_signature_and_quoted_reply(tmp_path: Path) -> None:
    outcome = parse(tmp_path, "reply.eml", REPLY_EMAIL)
    message = outcome.documents[0].messages[0]

    assert outcome.format == "eml"
    assert message.text == "Yes, let's meet at the café on Sunday.\nBring the photos."
    assert message.author == "Ann Smith"
    assert message.author_id == "ann.smith@example.com"
    assert outcome.documents[0].participants == [
        "bob@example.com",
        "carol@example.com",
        "dan@example.com",
    ]
    assert outcome.documents[0].external_id == "<abc123@example.com>"


def test_forwarded_block_is_dropped_and_the_note_kept() -> None:
    text = (
        "Thought you would like this.\n\n"
        "---------- Forwarded message ---------\n"
        "From: News <news@example.com>\nSubject: Big news\n\nSomeone else's words."
    )

    assert strip_replies(text) == "Thought you would like this."


def test_outlook_original_message_and_header_blocks_are_dropped() -> None:
    original = "Sounds good.\n\n-----Original Message-----\nFrom: Bob\nSent: Monday\nHi Ann"
    header_block = "Sounds good.\n\nFrom: Bob Brown\nSent: Monday, 4 August 2008 21:00\nTo: Ann"

    assert strip_replies(original) == "Sounds good."
    assert strip_replies(header_block) == "Sounds good."


def test_sent_from_my_iphone_and_inline_quotes_are_dropped() -> None:
    text = "> Are you coming?\nYes, at six.\n> And Tom?\nHe is too.\n\nSent from my iPhone"

    assert strip_replies(text) == "Yes, at six.\nHe is too."


def test_text_that_merely_mentions_from_is_kept() -> None:
    text = "From: the garden, with love.\nThe roses are out."

    assert strip_replies(text) == text


def test_html_only_email_becomes_text_without_its_quoted_part(tmp_path: Path) -> None:
    html = (
        "<html><head><style>p {color: red}</style></head><body>"
        "<p>Dear Tom,</p><p>Fish &amp; chips<br>tonight?</p>"
        '<div class="gmail_quote">On Monday Tom wrote:<blockquote>old words</blockquote></div>'
        "</body></html>"
    )
    email = (
        "From: ann@example.com\nTo: tom@example.com\nSubject: Tea\n"
        "MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n" + html
    )

    text = documents(tmp_path, "tea.eml", email)[0].messages[0].text

    assert text == "Dear Tom,\n\nFish & chips\ntonight?"
    assert html_to_text("<p>a</p><script>x()</script><p>b</p>") == "a\n\nb"


def test_empty_plain_alternative_falls_back_to_the_html_body(tmp_path: Path) -> None:
    email = (
        "From: ann@example.com\nSubject: Hi\nMIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="b"\n\n'
        "--b\nContent-Type: text/plain; charset=utf-8\n\n\n"
        "--b\nContent-Type: text/html; charset=utf-8\n\n<p>Only in HTML.</p>\n--b--\n"
    )

    assert documents(tmp_path, "hi.eml", email)[0].messages[0].text == "Only in HTML."


def test_email_whose_body_is_all_quoted_is_reported(tmp_path: Path) -> None:
    email = "From: a@example.com\nSubject: Fwd\n\n> only\n> quoted text\n"

    outcome = parse(tmp_path, "quoted.eml", email)

    assert outcome.documents == []
    assert "no text of its own" in outcome.error


def test_mbox_skips_messages_without_own_text_and_keeps_the_rest(tmp_path: Path) -> None:
    mbox = (
        "From ann@example.com Tue Aug 05 08:00:23 +0000 2008\n"
        "From: Ann <ann@example.com>\nSubject: one\nDate: not a date at all\n\nFirst letter.\n\n"
        "From ann@example.com Tue Aug 05 09:00:23 +0000 2008\n"
        "From: Ann <ann@example.com>\nSubject: two\n\n> all quoted\n\n"
        "From ann@example.com Tue Aug 05 10:00:23 +0000 2008\n"
        "From: =?broken?Q?x <ann@example.com>\nSubject: =?utf-8?B?bad\n\nThird letter.\n"
    )

    found = documents(tmp_path, "Inbox.mbox", mbox)

    assert [doc.messages[0].text for doc in found] == ["First letter.", "Third letter."]
    assert found[0].date is None
    assert found[1].messages[0].author_id == "ann@example.com"


def test_mbox_message_that_crashes_the_parser_costs_only_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = corpus.parsers.email.body_text

    def body_text_with_a_bug(message: Message) -> str:
        if "boom" in str(message.get("Subject")):
            raise AttributeError("a bug in the MIME parser")
        return real(message)

    monkeypatch.setattr(corpus.parsers.email, "body_text", body_text_with_a_bug)
    mbox = (
        "From a Tue Aug 05 08:00:23 2008\nFrom: a@example.com\nSubject: boom\n\nLost.\n\n"
        "From a Tue Aug 05 09:00:23 2008\nFrom: a@example.com\nSubject: fine\n\nKept.\n"
    )

    outcome = parse(tmp_path, "box.mbox", mbox)

    assert [doc.title for doc in outcome.documents] == ["fine"]
    assert outcome.error == (
        "skipped: 1 message that Legacy could not read (an error on our side); "
        "the other emails were read."
    )


def test_binary_junk_after_a_from_line_is_reported_not_read(tmp_path: Path) -> None:
    junk = bytes(range(256)) * 40 + b"\x00\x01\x02 binary tail"
    padding = b"Kept." + b" and so on" * 8000  # the junk lies beyond what detection sniffs
    mbox = (
        b"From a Tue Aug 05 08:00:23 2008\nFrom: a@example.com\nSubject: fine\n\n"
        + padding
        + b"\n\n"
        b"From a Tue Aug 05 09:00:23 2008\n" + junk + b"\n\n"
        b"From a Tue Aug 05 10:00:23 2008\n\x89PNG\r\n\x1a\n" + bytes(range(1, 32)) * 50 + b"\n"
    )

    outcome = parse(tmp_path, "box.mbox", mbox)

    assert [doc.messages[0].text for doc in outcome.documents] == [padding.decode()]
    assert outcome.error == (
        "skipped: 2 messages not email (binary data or no headers after a 'From ' line); "
        "the other emails were read."
    )


def test_mailbox_of_only_binary_junk_is_refused(tmp_path: Path) -> None:
    mbox = b"From a Tue Aug 05 08:00:23 2008\nFrom: a@example.com\n" + bytes(range(1, 9)) * 99

    outcome = parse(tmp_path, "box.mbox", mbox)

    assert outcome.documents == []
    assert outcome.error == (
        "No emails with text of their own were found in this mailbox (skipped: 1 message "
        "not email (binary data or no headers after a 'From ' line))."
    )


# --- chats -------------------------------------------------------------------------------


def test_whatsapp_ios_export_drops_events_and_media_placeholders(tmp_path: Path) -> None:
    chat = (
        "\ufeff[04/03/2021, 09:15:02] Family: \u200eMessages and calls are end-to-end encrypted.\n"
        "[04/03/2021, 09:16:10] Mum: Good morning love\n"
        "\u200e[04/03/2021, 09:17:00] Mum: \u200eimage omitted\n"
        "[04/03/2021, 09:18:30] Sam: Morning! <This message was edited>\n"
        "[05/03/2021, 21:00:00] Mum: Night night\nsleep well\n"
        "\u200e[05/03/2021, 21:01:00] Sam: <attached: 00000012-PHOTO-2021-03-05.jpg>\n"
        "\u200e[13/03/2021, 08:00:00] Mum added Dad\n"
    )

    outcome = parse(tmp_path, "WhatsApp Chat with Family.txt", chat)
    document = outcome.documents[0]

    assert outcome.format == "whatsapp"
    assert document.title == "Family"
    assert [(m.author, m.text) for m in document.messages] == [
        ("Mum", "Good morning love"),
        ("Sam", "Morning!"),
        ("Mum", "Night night\nsleep well"),
    ]
    # 13/03 proves the file is day first, so 05/03 is the 5th of March.
    assert document.messages[2].sent_at == datetime(2021, 3, 5, 21, 0, tzinfo=UTC)


def test_whatsapp_android_12_hour_clock_with_narrow_space(tmp_path: Path) -> None:
    chat = "1/2/21, 12:05\u202fAM - Ann: just after midnight\n1/2/21, 3:40\u202fPM - Bo: later\n"

    messages = documents(tmp_path, "chat.txt", chat)[0].messages

    # Nothing proves the order; a 12-hour clock means the US, month first.
    assert [m.sent_at for m in messages] == [
        datetime(2021, 1, 2, 0, 5, tzinfo=UTC),
        datetime(2021, 1, 2, 15, 40, tzinfo=UTC),
    ]


def test_whatsapp_ambiguous_24_hour_dates_are_read_day_first(tmp_path: Path) -> None:
    chat = "01/02/21, 10:00 - Ann: hello\n"

    messages = documents(tmp_path, "chat.txt", chat)[0].messages

    assert messages[0].sent_at == datetime(2021, 2, 1, 10, 0, tzinfo=UTC)


def test_telegram_full_export_gives_one_document_per_chat(tmp_path: Path) -> None:
    export = {
        "about": "Here is the data you requested.",
        "chats": {
            "about": "This is the list of chats.",
            "list": [
                {
                    "name": "Grandma",
                    "id": 42,
                    "messages": [
                        {"type": "service", "date_unixtime": "1600000000", "action": "phone_call"},
                        {
                            "type": "message",
                            "date_unixtime": "1600000100",
                            "from": "Ann",
                            "from_id": "user1",
                            "text": ["Look at ", {"type": "link", "text": "this"}, " now"],
                        },
                        {
                            "type": "message",
                            "date_unixtime": "1600000200",
                            "from": "Gran",
                            "text": "",
                            "photo": "photos/1.jpg",
                        },
                    ],
                },
                {"name": "Empty", "messages": []},
                {
                    "name": None,
                    "messages": [
                        {
                            "type": "message",
                            "date": "2020-09-13T12:26:40",
                            "from": None,
                            "text": "hi",
                        }
                    ],
                },
            ],
        },
    }

    outcome = parse(tmp_path, "result.json", json.dumps(export))

    assert outcome.format == "telegram"
    assert [doc.title for doc in outcome.documents] == ["Grandma", "result"]
    first = outcome.documents[0].messages
    assert [(m.author, m.author_id, m.text) for m in first] == [
        ("Ann", "user1", "Look at this now")
    ]
    assert first[0].sent_at == datetime.fromtimestamp(1600000100, tz=UTC)
    second = outcome.documents[1].messages[0]
    assert (second.author, second.sent_at) == (
        "Deleted Account",
        datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC),
    )


def meta_thread(*, newest_first: list[tuple[str, int, str]]) -> str:
    def mangle(text: str) -> str:  # how Meta writes UTF-8: one code point per byte
        return text.encode("utf-8").decode("latin-1")

    return json.dumps(
        {
            "participants": [{"name": mangle("Zoë")}, {"name": "Ann"}],
            "title": mangle("Zoë"),
            "messages": [
                {"sender_name": mangle(who), "timestamp_ms": when, "content": mangle(text)}
                for who, when, text in newest_first
            ]
            + [{"sender_name": "Ann", "timestamp_ms": 1, "photos": [{"uri": "x.jpg"}]}],
        }
    )


def test_messenger_thread_is_repaired_and_put_in_order(tmp_path: Path) -> None:
    thread = meta_thread(
        newest_first=[
            ("Zoë", 1_600_000_200_000, "À bientôt 😀"),
            ("Ann", 1_600_000_100_000, "Café tomorrow?"),
        ]
    )
    path = write(tmp_path, "message_1.json", thread)

    outcome = parse_upload_collected(path, "facebook-ann/messages/inbox/zoe_1/message_1.json")[0]
    document = outcome.documents[0]

    assert outcome.format == "messenger"
    assert document.title == "Zoë"
    assert document.participants == ["Zoë", "Ann"]
    assert [(m.author, m.text) for m in document.messages] == [
        ("Ann", "Café tomorrow?"),
        ("Zoë", "À bientôt 😀"),
    ]
    assert document.date == datetime.fromtimestamp(1_600_000_100, tz=UTC)


def test_instagram_thread_is_told_apart_by_its_folder(tmp_path: Path) -> None:
    path = write(tmp_path, "message_1.json", meta_thread(newest_first=[("Ann", 1000, "hi")]))

    name = "your_instagram_activity/messages/inbox/zoe_1/message_1.json"
    outcome = parse_upload_collected(path, name)[0]

    assert outcome.format == "instagram"
    assert outcome.documents[0].source == "instagram"


# --- X / Twitter -----------------------------------------------------------------------------

TWEETS_JS = "window.YTD.tweets.part0 = " + json.dumps(
    [
        {
            "tweet": {
                "id_str": "2",
                "created_at": "Thu Oct 11 08:00:00 +0000 2018",
                "full_text": "Walking by the sea &amp; thinking of you https://t.co/abc "
                "https://t.co/pic",
                "entities": {
                    "urls": [
                        {"url": "https://t.co/abc", "expanded_url": "https://example.com/sea"}
                    ],
                    "media": [{"url": "https://t.co/pic"}],
                    "user_mentions": [],
                },
            }
        },
        {
            "tweet": {
                "id_str": "1",
                "created_at": "Wed Oct 10 20:19:24 +0000 2018",
                "full_text": "@tom happy birthday!",
                "entities": {"user_mentions": [{"screen_name": "tom"}]},
            }
        },
        {"tweet": {"id_str": "3", "created_at": "x", "full_text": "RT @someone: not my words"}},
    ]
)


def test_tweets_become_posts_oldest_first_without_retweets(tmp_path: Path) -> None:
    outcome = parse(tmp_path, "tweets.js", TWEETS_JS)

    assert outcome.format == "twitter"
    assert [(d.kind, d.external_id) for d in outcome.documents] == [("post", "1"), ("post", "2")]
    first, second = outcome.documents
    assert first.date == datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)
    assert first.participants == ["tom"]
    assert second.messages[0].text == "Walking by the sea & thinking of you https://example.com/sea"


def test_twitter_archive_zip_reads_tweets_and_reports_other_files(tmp_path: Path) -> None:
    archive = tmp_path / "twitter-2023.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("data/tweets.js", TWEETS_JS)
        zf.writestr("data/like.js", "window.YTD.like.part0 = []")
        zf.writestr("data/tweets_media/1-a.jpg", b"\xff\xd8\xff" + b"0" * 100)

    outcomes = {outcome.name: outcome for outcome in parse_upload_collected(archive, archive.name)}

    assert len(outcomes["twitter-2023.zip/data/tweets.js"].documents) == 2
    assert "holds no posts" in outcomes["twitter-2023.zip/data/like.js"].error
    assert outcomes["twitter-2023.zip"].error == "skipped: 1 photos and media files are not used."


# --- journals, Word, PDF ---------------------------------------------------------------------

JOURNAL = """\
My garden diary, kept for the grandchildren.

# 2021-03-04
Planted the broad beans.

## March 5, 2021
Rain all day.
March 4, 2021 was a better day.

Monday, 8 March 2021
First bee of the year.

2021-03-09: Frost on the cold frame.

4/3/2021
A second entry dated the numeric way.

13/3/2021
Day first, as this date proves.
"""


def test_markdown_journal_splits_into_dated_entries(tmp_path: Path) -> None:
    outcome = parse(tmp_path, "diary.md", JOURNAL)
    found = outcome.documents

    assert outcome.format == "markdown"
    assert [(doc.kind, doc.title, doc.date) for doc in found] == [
        ("document", "diary.md", None),
        ("journal", "2021-03-04", datetime(2021, 3, 4, tzinfo=UTC)),
        ("journal", "March 5, 2021", datetime(2021, 3, 5, tzinfo=UTC)),
        ("journal", "Monday, 8 March 2021", datetime(2021, 3, 8, tzinfo=UTC)),
        ("journal", "2021-03-09", datetime(2021, 3, 9, tzinfo=UTC)),
        ("journal", "4/3/2021", datetime(2021, 3, 4, tzinfo=UTC)),
        ("journal", "13/3/2021", datetime(2021, 3, 13, tzinfo=UTC)),
    ]
    assert found[2].messages[0].text == "Rain all day.\nMarch 4, 2021 was a better day."
    assert found[4].messages[0].text == "Frost on the cold frame."


def test_numeric_dates_are_month_first_when_a_date_proves_it(tmp_path: Path) -> None:
    found = documents(tmp_path, "notes.txt", "4/3/2021\nOne.\n\n3/13/2021\nTwo.\n")

    assert [doc.date for doc in found] == [
        datetime(2021, 4, 3, tzinfo=UTC),
        datetime(2021, 3, 13, tzinfo=UTC),
    ]


def test_text_without_dated_headings_is_one_undated_document(tmp_path: Path) -> None:
    found = documents(tmp_path, "memories.txt", "When I was a girl\nwe lived by the mill.\n")

    assert [(doc.kind, doc.source, doc.title, doc.date) for doc in found] == [
        ("document", "text", "memories.txt", None)
    ]
    assert found[0].messages[0].text == "When I was a girl\nwe lived by the mill."


def test_docx_paragraphs_and_tables_in_reading_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.author = "Ann Smith"
    document.add_heading("4 March 2021", level=1)
    document.add_paragraph("We moved into the cottage.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Room", "Colour"
    table.cell(1, 0).text, table.cell(1, 1).text = "Kitchen", "Yellow"
    document.add_paragraph("It felt like home.")
    path = tmp_path / "cottage.docx"
    document.save(str(path))

    outcome = parse_upload_collected(path, path.name)[0]

    assert outcome.format == "docx"
    assert detect_format(path, "renamed.bin") == "docx"
    entry = outcome.documents[0]
    assert (entry.kind, entry.date) == ("journal", datetime(2021, 3, 4, tzinfo=UTC))
    assert entry.messages[0].author == "Ann Smith"
    assert entry.messages[0].text == (
        "We moved into the cottage.\nRoom | Colour\nKitchen | Yellow\nIt felt like home."
    )


def test_damaged_docx_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types")
        zf.writestr("word/document.xml", "<not xml")

    outcome = parse_upload_collected(path, path.name)[0]

    assert outcome.format == "docx"
    assert outcome.error == "This Word document is damaged or is not really a .docx file."


def text_pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF showing `lines` in Helvetica."""
    shown = " ".join(f"({line}) Tj T*" for line in lines)
    content = f"BT /F1 12 Tf 14 TL 72 720 Td {shown} ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


def test_pdf_text_is_read(tmp_path: Path) -> None:
    outcome = parse(tmp_path, "letter.pdf", text_pdf(["Dear Tom,", "The apples are in."]))

    assert outcome.format == "pdf"
    text = outcome.documents[0].messages[0].text
    assert "Dear Tom," in text
    assert "The apples are in." in text


def test_pdf_of_images_only_has_no_extractable_text(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    path = tmp_path / "scan.pdf"
    writer.write(path)

    outcome = parse_upload_collected(path, path.name)[0]

    assert outcome.error == "This PDF has no extractable text (it may be scanned images)."


def test_password_protected_pdf_is_reported(tmp_path: Path) -> None:
    plain = write(tmp_path, "plain.pdf", text_pdf(["secret diary"]))
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="hunter2", owner_password="owner")
    path = tmp_path / "locked.pdf"
    writer.write(path)

    outcome = parse_upload_collected(path, path.name)[0]

    assert "password-protected" in outcome.error


def test_pdf_locked_only_against_copying_is_read(tmp_path: Path) -> None:
    plain = write(tmp_path, "plain.pdf", text_pdf(["open diary"]))
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="", owner_password="owner")
    path = tmp_path / "restricted.pdf"
    writer.write(path)

    outcome = parse_upload_collected(path, path.name)[0]

    assert "open diary" in outcome.documents[0].messages[0].text


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("notes", "Just some notes.\n", "text"),
        ("a.eml", "From nobody Mon Jan  1 00:00:00 2001\nFrom: a@b.c\n\nhi\n", "eml"),
        ("inbox", "From nobody Mon Jan  1 00:00:00 2001\nFrom: a@b.c\n\nhi\n", "mbox"),
        ("message.txt", "Received: from x\nFrom: a@b.c\nSubject: s\n\nhi\n", "eml"),
        ("export.txt", "[2019-12-24, 12:23] Jane: Hello\n", "signal"),
        ("_chat.txt", "[24.12.19, 12:23:45] Jane: Hello\n", "whatsapp"),
        ("data.json", '{"chats": {"list": []}}', "telegram"),
    ],
)
def test_format_is_detected_from_content(
    tmp_path: Path, name: str, content: str, expected: str
) -> None:
    assert detect_format(write(tmp_path, name, content), name) == expected
