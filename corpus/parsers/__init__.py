"""Turning uploaded files into documents of a person's own words.

`parse_upload` is the one way in: it never raises for a bad file, it reports it. Each format
lives in its own module; `detect_format` picks one from the file's content.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .archive import ZipBudget, parse_zip
from .base import FileOutcome, ParsedDocument, ParsedMessage, ParseError
from .detect import ACCEPTED, detect_format
from .email import parse_eml, parse_mbox
from .journal import parse_markdown, parse_text
from .meta import parse_instagram, parse_messenger
from .office import parse_docx, parse_pdf
from .signal import parse_signal
from .telegram import parse_telegram
from .twitter import parse_twitter
from .whatsapp import parse_whatsapp

__all__ = [
    "ACCEPTED",
    "MAX_FILE_BYTES",
    "FileOutcome",
    "ParseError",
    "ParsedDocument",
    "ParsedMessage",
    "detect_format",
    "parse_upload",
]

# Beyond this no single file is read; mailboxes are the largest real exports.
MAX_FILE_BYTES = 8 * 1024**3

PARSERS: dict[str, Callable[[Path, str], list[ParsedDocument]]] = {
    "mbox": parse_mbox,
    "eml": parse_eml,
    "whatsapp": parse_whatsapp,
    "signal": parse_signal,
    "telegram": parse_telegram,
    "instagram": parse_instagram,
    "messenger": parse_messenger,
    "twitter": parse_twitter,
    "text": parse_text,
    "markdown": parse_markdown,
    "docx": parse_docx,
    "pdf": parse_pdf,
}


def parse_upload(path: Path, filename: str) -> list[FileOutcome]:
    """The outcomes of one uploaded file: one for a plain file, one per member of a zip.
    `filename` is the name the person gave the file; `path` is where it is stored."""
    return parse_file(path, filename)


def parse_file(
    path: Path, name: str, *, depth: int = 0, budget: ZipBudget | None = None
) -> list[FileOutcome]:
    format_name = ""
    try:
        size = path.stat().st_size
        if size == 0:
            raise ParseError("This file is empty.")
        if size > MAX_FILE_BYTES:
            raise ParseError(f"This file is too large ({size // 1024**3} GB).")
        format_name = detect_format(path, name)
        if format_name == "zip":
            return parse_zip(path, name, parse_member=parse_file, depth=depth, budget=budget)
        documents = PARSERS[format_name](path, name)
    except ParseError as error:
        return [FileOutcome(name=name, format=format_name, error=str(error))]
    if not documents:
        return [FileOutcome(name=name, format=format_name, error="No text was found in this file.")]
    return [FileOutcome(name=name, format=format_name, documents=documents)]
