"""Word (.docx) and PDF documents: their text, split into dated entries like a journal.

Both are read by well-kept libraries (python-docx, pypdf) that hold what they read in memory,
so both are bounded before and while they read: a .docx is an archive, checked member by
member under the upload's archive limits (`archive_limits`) and by its own size, before
python-docx opens it; pypdf decodes each page's content under stream limits, and the text
taken from a PDF is capped per page and per file.
"""

from __future__ import annotations

import contextlib
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path

import docx
from docx.document import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from lxml.etree import XMLSyntaxError
from pypdf import PageObject, PdfReader, apply_configuration
from pypdf.errors import LimitReachedError, PyPdfError

from .archive_limits import ArchiveBudget, archive_check
from .base import ParsedDocument, ParseError
from .journal import split_entries

# python-docx parses every XML part of a .docx into a tree about ten times its size, and holds
# every other part (photos) as bytes: these bound what one .docx may hold.
MAX_DOCX_XML_BYTES = 16 * 1024**2
MAX_DOCX_BYTES = 64 * 1024**2
# A longer PDF is a book or a scan, not one person's papers; reading stops there.
MAX_PDF_PAGES = 2000
# A page's drawing instructions are decoded whole and parsed into objects many times their
# size (about 40 times, for small text operators); a page of dense text needs well under
# 1 MB of them.
MAX_PDF_PAGE_STREAM_BYTES = 2 * 1024**2
MAX_PDF_PAGE_CHARS = 200_000  # about 60 pages' worth of text on one page: not writing
MAX_PDF_TEXT_CHARS = 10_000_000  # about 5,000 dense pages
# pypdf raises these, beyond its own errors, on malformed files.
_PDF_ERRORS = (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError,
               RecursionError, OSError)  # fmt: skip


def parse_docx(
    path: Path, name: str, *, budget: ArchiveBudget, depth: int
) -> Iterator[ParsedDocument]:
    sizes = archive_check(
        path, budget=budget, depth=depth, kind="Word document", max_member_bytes=MAX_DOCX_BYTES
    )
    xml_bytes = sum(size for part, size in sizes.items() if part.endswith((".xml", ".rels")))
    if xml_bytes > MAX_DOCX_XML_BYTES or sum(sizes.values()) > MAX_DOCX_BYTES:
        raise ParseError(
            f"This Word document is too large to read ({sum(sizes.values()) // 1024**2} MB "
            f"unpacked, {xml_bytes // 1024**2} MB of it text and layout; Legacy reads up to "
            f"{MAX_DOCX_BYTES // 1024**2} MB, {MAX_DOCX_XML_BYTES // 1024**2} MB of it text and "
            "layout). Please save it as PDF, or split it, and upload it again."
        )
    try:
        document = docx.Document(str(path))
        lines = list(_docx_lines(document))
    except (
        PackageNotFoundError,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        XMLSyntaxError,
    ) as error:
        raise ParseError("This Word document is damaged or is not really a .docx file.") from error
    properties = document.core_properties
    documents = list(
        split_entries(
            lambda: lines,
            name=name,
            source="docx",
            author=properties.author or "",
            undated_date=_aware(properties.created),
        )
    )
    if not documents:
        raise ParseError("This Word document has no text in it.")
    if properties.title and len(documents) == 1 and documents[0].kind == "document":
        documents[0].title = properties.title
    yield from documents


def parse_pdf(path: Path, name: str) -> Iterator[ParsedDocument]:
    skipped: list[int] = []  # pages too large to read
    with contextlib.ExitStack() as stack:
        stack.enter_context(_pdf_limits())
        try:
            reader = PdfReader(stack.enter_context(path.open("rb")))
            if reader.is_encrypted:
                _unlock(reader)
            pages = _pdf_pages_text(reader, skipped)
            metadata = reader.metadata
            author = str(metadata.author or "") if metadata else ""
            created = _aware(metadata.creation_date) if metadata else None
        except _PDF_ERRORS as error:
            raise ParseError("This PDF is damaged and cannot be read.") from error
    lines = [line for page in pages for line in page.splitlines()]
    del pages
    if not any(line.strip() for line in lines):
        if skipped:
            raise ParseError(_skipped_pages(skipped, read_any=False))
        raise ParseError("This PDF has no extractable text (it may be scanned images).")
    yield from split_entries(
        lambda: lines, name=name, source="pdf", author=author, undated_date=created
    )
    if skipped:
        raise ParseError(_skipped_pages(skipped, read_any=True))


def _pdf_limits() -> contextlib.AbstractContextManager[object]:
    """pypdf's own limits on decoding streams, tightened to one page's worth."""
    return apply_configuration(
        maximum_declared_stream_length=MAX_PDF_PAGE_STREAM_BYTES,
        zlib_maximum_output_length=MAX_PDF_PAGE_STREAM_BYTES,
        lzw_maximum_output_length=MAX_PDF_PAGE_STREAM_BYTES,
        run_length_maximum_output_length=MAX_PDF_PAGE_STREAM_BYTES,
        array_based_stream_maximum_output_length=MAX_PDF_PAGE_STREAM_BYTES,
    )


def _pdf_pages_text(reader: PdfReader, skipped: list[int]) -> list[str]:
    """Each page's text, pages too large to read left out (their numbers in `skipped`),
    stopping at the file's cap."""
    pages: list[str] = []
    chars = 0
    for number, page in enumerate(reader.pages[:MAX_PDF_PAGES], start=1):
        text = _page_text(page)
        if text is None or len(text) > MAX_PDF_PAGE_CHARS:
            skipped.append(number)
            continue
        chars += len(text)
        if chars > MAX_PDF_TEXT_CHARS:
            raise ParseError(
                f"This PDF holds more text than Legacy reads from one file (over "
                f"{MAX_PDF_TEXT_CHARS // 1_000_000} million characters by page {number}). "
                "Please split it and upload the parts."
            )
        pages.append(text)
    return pages


def _skipped_pages(numbers: list[int], *, read_any: bool) -> str:
    shown = ", ".join(str(number) for number in numbers[:10]) + (
        ", ..." if len(numbers) > 10 else ""
    )
    pages = f"page {shown} is" if len(numbers) == 1 else f"pages {shown} are"
    others = "the other pages were read" if read_any else "no other page has text"
    return (
        f"skipped: {pages} too large to read (over "
        f"{MAX_PDF_PAGE_STREAM_BYTES // 1024**2} MB of drawing instructions, or over "
        f"{MAX_PDF_PAGE_CHARS:,} characters); {others}."
    )


def _unlock(reader: PdfReader) -> None:
    """Many PDFs are encrypted with an empty password only to restrict printing or copying."""
    try:
        unlocked = bool(reader.decrypt(""))
    except _PDF_ERRORS:
        unlocked = False
    if not unlocked:
        raise ParseError(
            "This PDF is password-protected. Please remove the password and upload it again."
        )


def _docx_lines(document: Document) -> Iterator[str]:
    """Paragraphs and table rows in reading order."""
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            yield from _table_lines(block)
        else:
            yield block.text


def _table_lines(table: Table) -> Iterator[str]:
    for row in table.rows:
        # A merged cell appears once per grid column it spans; show it once.
        cells = [text for text, _ in groupby(cell.text.strip() for cell in row.cells)]
        line = " | ".join(cell for cell in cells if cell)
        if line:
            yield line


def _page_text(page: PageObject) -> str | None:
    """The page's text; "" when it cannot be read, None when it is too large to."""
    try:
        return page.extract_text() or ""
    except LimitReachedError:
        return None
    except _PDF_ERRORS:
        return ""  # one unreadable page should not cost the others


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
