"""Hostile uploads, built small on disk at test time: each expands to far more than it weighs."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

MB = 1024 * 1024
_PARAGRAPH = (
    "<w:p><w:r><w:t>Dear diary, today was a day like the others and I wrote.</w:t></w:r></w:p>"
)


def docx_bomb(path: Path, *, xml_mb: int = 68, words: str = "Dear diary") -> Path:
    """A real Word document whose document.xml holds `xml_mb` MB of paragraphs: ~200 KB packed
    for 68 MB of XML, as the one that took a worker from 1.4 to 2.6 GB."""
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph(words)
    document.save(buffer)
    source = zipfile.ZipFile(buffer)
    head, tail = source.read("word/document.xml").split(b"<w:body>", 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info, source.read(info))
                continue
            with archive.open(info.filename, "w", force_zip64=True) as member:
                member.write(head + b"<w:body>")
                block = _PARAGRAPH.encode() * (MB // len(_PARAGRAPH))
                for _ in range(xml_mb):
                    member.write(block)
                member.write(tail)
    return path


def flat_zip_bomb(path: Path, *, members: int = 120, good: dict[str, str] | None = None) -> Path:
    """`members` members of 1 MB each (each packs to ~3 KB: a ratio of ~300, but none over the
    1 MB the old ratio check started at), and the `good` files beside them."""
    megabyte = ("All work and no play makes Jack a dull boy. " * (MB // 44 + 1))[:MB]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in (good or {}).items():
            archive.writestr(name, text)
        for number in range(members):
            archive.writestr(f"notes/{number:03}.txt", megabyte)
    return path


def pdf_huge_content_stream(path: Path, *, stream_mb: int, last_page_text: str) -> Path:
    """A PDF whose first page draws `stream_mb` MB of text operators (packed by Flate to a
    tiny fraction of that), and whose second page says `last_page_text`."""
    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    resources = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})}
    )
    operator = b"BT /F1 12 Tf 72 700 Td (word) Tj ET\n"
    for content in (operator * (stream_mb * MB // len(operator)), _pdf_text(last_page_text)):
        page = writer.add_blank_page(width=612, height=792)
        page[NameObject("/Resources")] = resources
        stream = DecodedStreamObject()
        stream.set_data(content)
        page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    with path.open("wb") as file:
        writer.write(file)
    return path


def _pdf_text(text: str) -> bytes:
    return b"BT /F1 12 Tf 72 700 Td (" + text.encode("latin-1") + b") Tj ET\n"


def single_line_text(path: Path, *, mb: int = 30) -> Path:
    """One line of `mb` MB with no line end, made of long "words" (random-looking tokens of
    about 1,000 characters): the reading must not hold the line whole, and few passages
    come of it, so the test's time goes into reading it, not into embedding 50,000 passages
    (the memory a document takes is bounded by its size, whatever its words)."""
    token = ("qzx" * 333 + " ").encode()
    with path.open("wb") as file:
        block = token * (MB // len(token))
        for _ in range(mb):
            file.write(block)
        file.write(b"\nThe last line, after thirty megabytes.\n")
    return path
