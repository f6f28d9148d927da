"""Turning uploaded files into documents of a person's own words.

`parse_upload` is the one way in: it never raises for a bad file, it reports it. It reads
lazily, so that the memory reading takes follows the largest document, not the upload: one
`FileReading` per file (one per member of a zip, extracted when its turn comes), whose
documents come one at a time: mailboxes and text files are parsed as their documents are
taken, other formats hold one file's text at a time (a chat is one document). Each
format lives in its own module; `detect_format` picks one from the file's content. Archives
(zips, and .docx files, which are zips inside) are read under one set of limits per upload
(`archive_limits`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path

from .archive import parse_zip
from .archive_limits import ArchiveBudget, ArchiveLimits
from .base import FileOutcome, FileReading, ParsedDocument, ParsedMessage, ParseError, ReadProgress
from .detect import ACCEPTED, detect_format
from .email import parse_eml, parse_mbox
from .journal import parse_markdown, parse_text
from .meta import parse_instagram, parse_messenger
from .names import display_safe
from .office import parse_docx, parse_pdf
from .signal import parse_signal
from .telegram import parse_telegram
from .twitter import parse_twitter
from .whatsapp import parse_whatsapp

__all__ = [
    "ACCEPTED",
    "MAX_FILE_BYTES",
    "ArchiveLimits",
    "FileOutcome",
    "FileReading",
    "ParseError",
    "ParsedDocument",
    "ParsedMessage",
    "ReadProgress",
    "detect_format",
    "display_safe",
    "parse_upload",
    "parse_upload_collected",
]

# Beyond this no single file is read; mailboxes are the largest real exports.
MAX_FILE_BYTES = 8 * 1024**3

PARSERS: dict[str, Callable[[Path, str], Iterable[ParsedDocument]]] = {
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
    "pdf": parse_pdf,
}


def parse_upload(
    path: Path,
    filename: str,
    *,
    limits: ArchiveLimits | None = None,
    progress: ReadProgress | None = None,
) -> Generator[FileReading, None, None]:
    """The readings of one uploaded file: one for a plain file, one per member of a zip.
    `filename` is the name the person gave the file; `path` is where it is stored. Read each
    reading's documents to the end before taking the next. `progress`, when given, is kept
    up to date as files are read."""
    budget = ArchiveBudget(limits or ArchiveLimits())
    return parse_file(
        path, display_safe(filename), depth=0, budget=budget, progress=progress or ReadProgress()
    )


def parse_upload_collected(
    path: Path, filename: str, *, limits: ArchiveLimits | None = None
) -> list[FileOutcome]:
    """Every outcome of `parse_upload`, its documents all held in memory at once: for small
    files and tests, never for an upload of unknown size."""
    return [reading.collect() for reading in parse_upload(path, filename, limits=limits)]


def parse_file(
    path: Path, name: str, *, depth: int, budget: ArchiveBudget, progress: ReadProgress
) -> Generator[FileReading, None, None]:
    """The readings of one file, which may be a zip (read member by member)."""
    format_name = ""
    try:
        size = path.stat().st_size
        if size == 0:
            raise ParseError("This file is empty.")
        if size > MAX_FILE_BYTES:
            raise ParseError(f"This file is too large ({size // 1024**3} GB).")
        format_name = detect_format(path, name)
    except ParseError as error:
        yield FileReading(name=name, format=format_name, error=str(error), progress=progress)
        return
    if format_name == "zip":
        try:
            yield from parse_zip(
                path, name, read_member=parse_file, budget=budget, progress=progress, depth=depth
            )
        except ParseError as error:
            yield FileReading(name=name, format="zip", error=str(error), progress=progress)
        return
    yield FileReading(
        name=name,
        format=format_name,
        documents=_documents(path, name, format_name, depth=depth, budget=budget),
        progress=progress,
    )


def _documents(
    path: Path, name: str, format_name: str, *, depth: int, budget: ArchiveBudget
) -> Iterator[ParsedDocument]:
    """The parser is called only when the first document is asked for, so that whatever it
    raises is reported on this file's reading."""
    if format_name == "docx":
        yield from parse_docx(path, name, budget=budget, depth=depth)
    else:
        yield from PARSERS[format_name](path, name)
