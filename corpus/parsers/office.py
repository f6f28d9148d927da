"""Word (.docx) and PDF documents: their text, split into dated entries like a journal."""

from __future__ import annotations

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
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from .base import ParsedDocument, ParseError
from .journal import split_entries

# A longer PDF is a book or a scan, not one person's papers; reading stops there.
MAX_PDF_PAGES = 2000
# pypdf raises these, beyond its own errors, on malformed files.
_PDF_ERRORS = (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError,
               RecursionError, OSError)  # fmt: skip


def parse_docx(path: Path, name: str) -> list[ParsedDocument]:
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
    documents = split_entries(
        lines,
        name=name,
        source="docx",
        author=properties.author or "",
        undated_date=_aware(properties.created),
    )
    if not documents:
        raise ParseError("This Word document has no text in it.")
    if properties.title and len(documents) == 1 and documents[0].kind == "document":
        documents[0].title = properties.title
    return documents


def parse_pdf(path: Path, name: str) -> list[ParsedDocument]:
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            _unlock(reader)
        pages = [_page_text(page) for page in reader.pages[:MAX_PDF_PAGES]]
        metadata = reader.metadata
        author = str(metadata.author or "") if metadata else ""
        created = _aware(metadata.creation_date) if metadata else None
    except _PDF_ERRORS as error:
        raise ParseError("This PDF is damaged and cannot be read.") from error
    lines = [line for page in pages for line in page.splitlines()]
    if not any(line.strip() for line in lines):
        raise ParseError("This PDF has no extractable text (it may be scanned images).")
    return split_entries(lines, name=name, source="pdf", author=author, undated_date=created)


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


def _page_text(page: object) -> str:
    try:
        return page.extract_text() or ""  # type: ignore[attr-defined]
    except _PDF_ERRORS:
        return ""  # one unreadable page should not cost the others


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
