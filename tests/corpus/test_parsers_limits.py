"""One set of archive limits for zips and .docx files alike, PDF caps, and names shown safely."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest

from corpus.parsers import ArchiveLimits, display_safe, office, parse_upload, parse_upload_collected
from tests.corpus import nasty_files

JOURNAL = "# 2021-03-04\nPlanted the beans.\n"


def make_zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def word_document(text: str) -> bytes:
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph(text)
    document.save(buffer)
    return buffer.getvalue()


def test_small_member_expanding_like_a_bomb_is_refused(tmp_path: Path) -> None:
    # given a 300 KB member of zeros: under 1 MB, where the old ratio check started
    path = make_zip(tmp_path / "a.zip", {"zeros.txt": bytes(300 * 1024), "diary.md": JOURNAL})

    outcomes = {o.name: o for o in parse_upload_collected(path, "a.zip")}

    assert "zip bombs" in outcomes["a.zip/zeros.txt"].error
    assert outcomes["a.zip/diary.md"].documents


def test_tiny_compressible_member_is_not_mistaken_for_a_bomb(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "a.zip", {"notes.txt": "Dear diary." + " " * 8000})

    [outcome] = parse_upload_collected(path, "a.zip")

    assert outcome.error == ""
    assert outcome.documents[0].messages[0].text == "Dear diary."


def test_docx_bomb_is_refused_without_python_docx_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = nasty_files.docx_bomb(tmp_path / "letters.docx", xml_mb=30)

    def never(*args: object) -> None:
        raise AssertionError("python-docx must not open a refused document")

    monkeypatch.setattr(office.docx, "Document", never)

    [outcome] = parse_upload_collected(path, "letters.docx")

    assert outcome.format == "docx"
    assert outcome.error == (
        "This Word document was refused: the part word/document.xml inside it would expand "
        "more than 100 times its packed size, which is how zip bombs behave."
    )


def test_docx_counts_against_the_uploads_archive_budget(tmp_path: Path) -> None:
    # given two Word documents in a zip, and a budget that holds only one of them unpacked
    one = word_document("First letter.")
    unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(one)).infolist())
    path = make_zip(tmp_path / "a.zip", {"one.docx": one, "two.docx": word_document("Second.")})
    limits = ArchiveLimits(max_total_bytes=len(one) + unpacked + len(one) + unpacked // 2)

    outcomes = {o.name: o for o in parse_upload_collected(path, "a.zip", limits=limits)}

    assert outcomes["a.zip/one.docx"].documents[0].messages[0].text == "First letter."
    assert "takes this upload past the" in outcomes["a.zip/two.docx"].error


def test_docx_nested_too_deep_is_refused_like_a_zip(tmp_path: Path) -> None:
    inner = make_zip(tmp_path / "inner.zip", {"letter.docx": word_document("Deep.")})
    path = make_zip(tmp_path / "outer.zip", {"inner.zip": inner.read_bytes()})

    [outcome] = parse_upload_collected(path, "outer.zip", limits=ArchiveLimits(max_depth=1))

    assert outcome.name == "outer.zip/inner.zip/letter.docx"
    assert "nested more than 1 levels deep" in outcome.error


def test_docx_over_its_own_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(office, "MAX_DOCX_XML_BYTES", 1000)
    path = tmp_path / "letter.docx"
    path.write_bytes(word_document("Hello."))

    [outcome] = parse_upload_collected(path, "letter.docx")

    assert outcome.error.startswith("This Word document is too large to read")


def test_pdf_page_with_a_huge_content_stream_is_skipped_and_reported(tmp_path: Path) -> None:
    path = nasty_files.pdf_huge_content_stream(
        tmp_path / "a.pdf", stream_mb=100, last_page_text="The second page."
    )

    [outcome] = parse_upload_collected(path, "a.pdf")

    assert [d.messages[0].text for d in outcome.documents] == ["The second page."]
    assert outcome.error.startswith("skipped: page 1 is too large to read (over 2 MB")
    assert outcome.error.endswith("the other pages were read.")


def test_pdf_with_more_text_than_the_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(office, "MAX_PDF_TEXT_CHARS", 10)
    path = nasty_files.pdf_huge_content_stream(
        tmp_path / "a.pdf", stream_mb=0, last_page_text="More than ten characters."
    )

    [outcome] = parse_upload_collected(path, "a.pdf")

    assert outcome.documents == []
    assert outcome.error.startswith("This PDF holds more text than Legacy reads from one file")


def test_documents_come_one_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "diary.md"
    path.write_text("# 2021-03-04\nOne.\n# 2021-03-05\nTwo.\n")
    [reading] = list(parse_upload(path, "diary.md"))  # the only file: its reading is given

    documents = reading.documents
    first = next(documents)

    assert reading.count == 1  # the second is not parsed yet
    assert first.messages[0].text == "One."
    assert [d.messages[0].text for d in documents] == ["Two."]
    assert reading.error == ""


def test_names_with_bidi_overrides_and_controls_are_shown_safely(tmp_path: Path) -> None:
    trick = "photo\u202egnp.exe"
    path = make_zip(tmp_path / "a.zip", {trick: JOURNAL, "tab\there\x1b[31m.txt": JOURNAL})

    names = sorted(o.name for o in parse_upload_collected(path, "up\u202eload.zip"))

    assert names == [
        "up[U+202E]load.zip/photo[U+202E]gnp.exe",
        "up[U+202E]load.zip/tab[U+0009]here[U+001B][31m.txt",
    ]
    assert display_safe("Zoë's letters, فارسی\u200c.txt") == "Zoë's letters, فارسی\u200c.txt"
