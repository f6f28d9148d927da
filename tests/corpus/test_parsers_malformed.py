"""Broken, hostile and odd uploads: each becomes a clear error, never a crash or a hang."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

import corpus.parsers
from corpus.parsers import ArchiveLimits, journal, parse_upload_collected, textfile

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "exports"
JOURNAL = "# 2021-03-04\nPlanted the beans.\n"


def make_zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def by_name(path: Path) -> dict[str, corpus.parsers.FileOutcome]:
    return {outcome.name: outcome for outcome in parse_upload_collected(path, path.name)}


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "diary.txt"
    path.touch()

    assert [o.error for o in parse_upload_collected(path, "diary.txt")] == ["This file is empty."]


def test_file_of_blank_lines_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "diary.txt"
    path.write_text("\n\n   \n")

    outcome = parse_upload_collected(path, "diary.txt")[0]

    assert outcome.documents == []
    assert "no text" in outcome.error


def test_one_huge_line_is_read_in_pieces_into_bounded_documents(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("w") as file:
        for _ in range(30):
            file.write("word " * 200_000)  # 1 MB, and no line end: one line of 30 MB
        file.write("\nThe last line.\n")

    outcome = parse_upload_collected(path, "huge.txt")[0]

    texts = [document.messages[0].text for document in outcome.documents]
    assert outcome.error == ""
    assert all(len(text) <= journal.MAX_DOCUMENT_CHARS for text in texts)
    assert sum(text.split().count("word") for text in texts) == 6_000_000  # no word lost or cut
    assert texts[-1].endswith("The last line.")
    titles = {document.title for document in outcome.documents}
    assert titles == {"huge.txt", "huge.txt (continued)"}


def test_long_line_without_spaces_is_split_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("x" * (2 * textfile.MAX_LINE_CHARS + 5) + "\nend\n")

    lines = list(textfile.iter_lines(path))

    assert [len(line) for line in lines] == [textfile.MAX_LINE_CHARS] * 2 + [5, 3]


def test_text_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(textfile, "MAX_TEXT_BYTES", 1000)
    path = tmp_path / "long.txt"
    path.write_text("words " * 500)

    outcome = parse_upload_collected(path, "long.txt")[0]

    assert outcome.error == "This file is too large to read (0 MB; the limit is 0 MB)."


def test_windows_1252_text_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "letter.txt"
    path.write_bytes("Dear Zoë, the café was naïve and charming — as ever.\n".encode("cp1252"))

    text = parse_upload_collected(path, "letter.txt")[0].documents[0].messages[0].text

    assert text == "Dear Zoë, the café was naïve and charming — as ever."


def test_utf16_text_with_bom_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "letter.txt"
    path.write_bytes("Grüße aus Köln\n".encode("utf-16"))

    outcome = parse_upload_collected(path, "letter.txt")[0]

    assert outcome.format == "text"
    assert outcome.documents[0].messages[0].text == "Grüße aus Köln"


def test_text_that_lies_about_its_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "letter.txt"
    path.write_bytes(
        b"\xef\xbb\xbf" + "Café au lait\n".encode("latin-1")
    )  # UTF-8 BOM, Latin-1 body

    outcome = parse_upload_collected(path, "letter.txt")[0]

    assert outcome.documents == []
    assert outcome.error.startswith("This file's text is not valid utf-8-sig")


def test_binary_file_is_not_a_format_legacy_reads(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 10)

    outcome = parse_upload_collected(path, "holiday/photo.jpg")[0]

    assert outcome.error.startswith("photo.jpg is not a format Legacy can read (we accept emails")


def test_unknown_text_extension_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "app.js"
    path.write_text("function main() { return 1; }\n")

    assert "is not a format Legacy can read" in parse_upload_collected(path, "app.js")[0].error


def test_damaged_json_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"chats": {"list": [{"name": "Gran", "messages": [')

    outcome = parse_upload_collected(path, "result.json")[0]

    assert outcome.error.startswith("This JSON file is damaged or incomplete")


def test_truncated_zip_is_reported_as_damaged(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "export.zip", {"a.txt": "hello " * 1000, "b.txt": JOURNAL})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])

    outcomes = parse_upload_collected(path, "export.zip")

    assert [(o.name, o.error) for o in outcomes] == [
        ("export.zip", "This zip file is damaged or incomplete.")
    ]


def test_zip_with_good_and_broken_members_keeps_the_good_ones(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("diary.md", JOURNAL, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("corrupt.txt", "original words", compress_type=zipfile.ZIP_STORED)
        archive.writestr("empty.txt", "")
        archive.writestr("fake.docx", b"PK\x03\x04 not really a zip")
    # Flip the stored member's bytes so its checksum no longer matches.
    path.write_bytes(path.read_bytes().replace(b"original words", b"ORIGINAL WORDS"))

    outcomes = by_name(path)

    assert outcomes["export.zip/diary.md"].documents[0].messages[0].text == "Planted the beans."
    assert outcomes["export.zip/corrupt.txt"].error == "This file inside the zip is damaged."
    assert outcomes["export.zip/empty.txt"].error == "This file is empty."
    assert outcomes["export.zip/fake.docx"].error == "This zip file is damaged or incomplete."


def test_zip_bomb_member_is_refused_without_extracting_it(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("diary.md", JOURNAL)
        with archive.open("zeros.txt", "w") as member:
            chunk = bytes(1024 * 1024)
            for _ in range(200):  # 200 MB of zeros packs into about 200 KB
                member.write(chunk)
    assert path.stat().st_size < 2 * 1024 * 1024

    outcomes = by_name(path)

    assert "zip bombs" in outcomes["bomb.zip/zeros.txt"].error
    assert outcomes["bomb.zip/zeros.txt"].documents == []
    assert outcomes["bomb.zip/diary.md"].documents


def test_zip_declaring_more_than_the_total_limit_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "big.zip", {"a.txt": "a" * 5000, "b.txt": "b" * 5000})

    outcomes = parse_upload_collected(path, "big.zip", limits=ArchiveLimits(max_total_bytes=8000))

    assert [(o.name, o.documents) for o in outcomes] == [("big.zip", [])]
    assert "expands to more than" in outcomes[0].error


def test_zip_with_too_many_entries_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "many.zip", {f"{n}.txt": "hi" for n in range(5)})

    outcomes = parse_upload_collected(path, "many.zip", limits=ArchiveLimits(max_members=4))

    assert [o.name for o in outcomes] == ["many.zip"]
    assert "too many files" in outcomes[0].error


def test_member_over_the_per_member_limit_is_refused(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "a.zip", {"big.txt": "word " * 1000, "small.txt": "word"})

    outcomes = parse_upload_collected(path, "a.zip", limits=ArchiveLimits(max_member_bytes=100))

    errors = {outcome.name: outcome.error for outcome in outcomes}
    assert errors["a.zip/big.txt"].startswith("refused: this file is too large")
    assert errors["a.zip/small.txt"] == ""


def test_zips_nest_two_levels_deep_and_no_further(tmp_path: Path) -> None:
    level3 = make_zip(tmp_path / "level3.zip", {"deep.txt": "too deep"})
    level2 = make_zip(tmp_path / "level2.zip", {"level3.zip": level3.read_bytes(), "b.txt": "two"})
    level1 = make_zip(tmp_path / "level1.zip", {"level2.zip": level2.read_bytes(), "a.txt": "one"})
    top = make_zip(tmp_path / "upload.zip", {"level1.zip": level1.read_bytes()})

    outcomes = by_name(top)

    assert outcomes["upload.zip/level1.zip/a.txt"].documents
    assert outcomes["upload.zip/level1.zip/level2.zip/b.txt"].documents
    assert (
        "nested more than 2 levels" in outcomes["upload.zip/level1.zip/level2.zip/level3.zip"].error
    )


def test_zip_skips_folders_mac_debris_and_counts_media(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "phone.zip",
        {
            "WhatsApp Chat - Mum/_chat.txt": "[04/03/2021, 09:16:10] Mum: Good morning love\n",
            "WhatsApp Chat - Mum/00000012-PHOTO.jpg": b"\xff\xd8\xff",
            "WhatsApp Chat - Mum/00000013-AUDIO.opus": b"OggS",
            "__MACOSX/WhatsApp Chat - Mum/._chat.txt": b"\x00\x05\x16\x07",
            "WhatsApp Chat - Mum/.DS_Store": b"\x00\x00\x00\x01Bud1",
        },
    )

    outcomes = parse_upload_collected(path, path.name)

    assert [(o.name, o.format, o.error) for o in outcomes] == [
        ("phone.zip/WhatsApp Chat - Mum/_chat.txt", "whatsapp", ""),
        ("phone.zip", "zip", "skipped: 2 photos and media files are not used."),
    ]
    assert outcomes[0].documents[0].title == "Mum"


def test_google_takeout_zip_reads_the_mailbox(tmp_path: Path) -> None:
    mbox = SHARED / "google-takeout" / "small.gmail.mbox"
    if not mbox.is_file():
        pytest.skip("shared test data missing")
    path = make_zip(
        tmp_path / "takeout-20240101.zip",
        {"Takeout/Mail/All mail Including Spam and Trash.mbox": mbox.read_bytes()},
    )

    outcome = parse_upload_collected(path, path.name)[0]

    assert outcome.format == "mbox"
    assert len(outcome.documents) == 5
    assert outcome.documents[0].source_path == outcome.name


def test_bug_in_one_parser_does_not_lose_the_other_members(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_parser(path: Path, name: str) -> list:
        raise RuntimeError("a bug")

    monkeypatch.setitem(corpus.parsers.PARSERS, "markdown", broken_parser)
    path = make_zip(tmp_path / "mixed.zip", {"diary.md": JOURNAL, "notes.txt": "Still here."})

    outcomes = by_name(path)

    assert outcomes["mixed.zip/diary.md"].error == (
        "Legacy could not read this file (an error on our side)."
    )
    assert outcomes["mixed.zip/notes.txt"].documents[0].messages[0].text == "Still here."


def test_zip_of_only_folders_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "empty.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.mkdir("photos")

    assert parse_upload_collected(path, "empty.zip")[0].error == (
        "This zip archive has no files in it that Legacy can read."
    )
