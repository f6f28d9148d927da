"""Journals and other free text: text and Markdown files, and the text of Word and PDF files.

A line that is a date ("# 2021-03-04", "## March 4, 2021", "Monday, 4 March 2021",
"2021-03-04: ...", "4/3/2021") starts a new dated entry. Text with no such line is one undated
document. Whether 4/3/2021 is day or month first is decided per file, as for chats.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from .base import ParsedDocument, ParsedMessage, ParseError
from .textfile import check_text_size, iter_lines

_MONTH = (
    r"(?P<month>january|february|march|april|may|june|july|august|september|october"
    r"|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_DATE_STYLES = (
    r"(?P<year>\d{4})-(?P<month_number>\d{1,2})-(?P<day>\d{1,2})",
    _MONTH + r"[ \t]+" + _DAY + r",?[ \t]+(?P<year>\d{4})",
    _DAY + r"[ \t]+(?:of[ \t]+)?" + _MONTH + r",?[ \t]+(?P<year>\d{4})",
    r"(?P<first>\d{1,2})[/.](?P<second>\d{1,2})[/.](?P<year>\d{4})",
)
_WEEKDAY = (
    r"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)\.?,?[ \t]+)?"
)
_HEADINGS = tuple(
    re.compile(
        r"^(?P<hashes>#{1,6}[ \t]+)?(?:\*\*|__)?"
        + _WEEKDAY
        + style
        + r"(?:\*\*|__)?(?P<after>.*)$",
        re.IGNORECASE,
    )
    for style in _DATE_STYLES
)
# Outside a Markdown heading, a date starts an entry only alone on its line or before a
# separator ("2021-03-04: Went to the sea"), not inside a sentence ("March 4, 2021 was ...").
_AFTER_PLAIN_DATE = re.compile(r"^(?:\s*[:.\-\u2013\u2014]\s*(?P<rest>.*)|\s*)$")


@dataclass
class _Entry:
    title: str
    date_fields: dict[str, str | None]
    lines: list[str] = field(default_factory=list)


def parse_text(path: Path, name: str) -> list[ParsedDocument]:
    check_text_size(path)
    return _documents_or_error(split_entries(iter_lines(path), name=name, source="text"))


def parse_markdown(path: Path, name: str) -> list[ParsedDocument]:
    check_text_size(path)
    return _documents_or_error(split_entries(iter_lines(path), name=name, source="markdown"))


def split_entries(
    lines: Iterable[str],
    *,
    name: str,
    source: str,
    author: str = "",
    undated_date: datetime | None = None,
) -> list[ParsedDocument]:
    """Dated entries as "journal" documents; text before the first dated line, or a text with
    none, as one "document" dated `undated_date`."""
    preamble: list[str] = []
    entries: list[_Entry] = []
    for line in lines:
        entry = _entry_start(line)
        if entry is not None:
            entries.append(entry)
        elif entries:
            entries[-1].lines.append(line)
        else:
            preamble.append(line)
    day_first = _day_first(entries)
    title = PurePosixPath(name.replace("\\", "/")).name
    documents = []
    preamble_text = _join(preamble)
    if preamble_text:
        documents.append(_document("document", source, title, preamble_text, undated_date, author))
    for entry in entries:
        text = _join(entry.lines)
        if text:
            date = _entry_date(entry.date_fields, day_first=day_first)
            documents.append(_document("journal", source, entry.title, text, date, author))
    for document in documents:
        document.source_path = name
    return documents


def _entry_start(line: str) -> _Entry | None:
    if not line[:1].strip():
        return None  # an entry's date starts its line; indented dates are inside the text
    for heading in _HEADINGS:
        match = heading.match(line)
        if match is None:
            continue
        if match["hashes"]:
            return _Entry(title=line.lstrip("#").strip(" *_"), date_fields=match.groupdict())
        after = _AFTER_PLAIN_DATE.match(match["after"])
        if after is None:
            return None
        rest = (after["rest"] or "").strip()
        title = line[: len(line) - len(match["after"])].strip(" *_")
        return _Entry(title=title, date_fields=match.groupdict(), lines=[rest] if rest else [])
    return None


def _day_first(entries: list[_Entry]) -> bool:
    numeric = [entry.date_fields for entry in entries if entry.date_fields.get("first")]
    if any(_number(fields, "first") > 12 for fields in numeric):
        return True
    # Month first only when a second field proves it; otherwise day first, as most of the world.
    return not any(_number(fields, "second") > 12 for fields in numeric)


def _entry_date(fields: dict[str, str | None], *, day_first: bool) -> datetime | None:
    day = _number(fields, "day")
    if fields.get("month"):
        month = _MONTHS[str(fields["month"])[:3].lower()]
    elif fields.get("month_number"):
        month = _number(fields, "month_number")
    else:
        first, second = _number(fields, "first"), _number(fields, "second")
        day, month = (first, second) if day_first else (second, first)
    try:
        return datetime(_number(fields, "year"), month, day, tzinfo=UTC)
    except ValueError:
        return None


def _number(fields: dict[str, str | None], key: str) -> int:
    return int(fields.get(key) or 0)


def _join(lines: list[str]) -> str:
    return "\n".join(line.rstrip() for line in lines).strip()


def _document(
    kind: str, source: str, title: str, text: str, date: datetime | None, author: str
) -> ParsedDocument:
    return ParsedDocument(
        kind=kind,
        source=source,
        title=title,
        messages=[ParsedMessage(author=author, text=text, sent_at=date)],
        date=date,
    )


def _documents_or_error(documents: list[ParsedDocument]) -> list[ParsedDocument]:
    if not documents:
        raise ParseError("This file has no text in it (only blank lines).")
    return documents
