"""Journals and other free text: text and Markdown files, and the text of Word and PDF files.

A line that is a date ("# 2021-03-04", "## March 4, 2021", "Monday, 4 March 2021",
"2021-03-04: ...", "4/3/2021") starts a new dated entry. Text with no such line is one undated
document. Whether 4/3/2021 is day or month first is decided per file, as for chats, in a
first pass over the lines; the second gives the entries one by one. An entry longer than
MAX_DOCUMENT_CHARS goes on in a document of its own ("... (continued)"), so no document made
here is larger than that, whatever the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from .base import ParsedDocument, ParsedMessage, ParseError
from .textfile import check_text_size, detect_encoding, iter_lines

# About 170,000 words, a long book: where a document is cut to go on in the next one.
MAX_DOCUMENT_CHARS = 1_000_000

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
    chars: int = 0

    def add(self, line: str) -> None:
        self.lines.append(line)
        self.chars += len(line) + 1


def parse_text(path: Path, name: str) -> Iterator[ParsedDocument]:
    return _text_file(path, name, source="text")


def parse_markdown(path: Path, name: str) -> Iterator[ParsedDocument]:
    return _text_file(path, name, source="markdown")


def _text_file(path: Path, name: str, *, source: str) -> Iterator[ParsedDocument]:
    check_text_size(path)
    encoding = detect_encoding(path)
    count = 0
    for document in split_entries(lambda: iter_lines(path, encoding), name=name, source=source):
        count += 1
        yield document
    if not count:
        raise ParseError("This file has no text in it (only blank lines).")


def split_entries(
    lines: Callable[[], Iterable[str]],
    *,
    name: str,
    source: str,
    author: str = "",
    undated_date: datetime | None = None,
) -> Iterator[ParsedDocument]:
    """Dated entries as "journal" documents; text before the first dated line, or a text with
    none, as one "document" dated `undated_date`. `lines()` gives the lines afresh each time
    it is called: they are read twice, first for the order of the dates' fields."""
    day_first = _day_first(
        entry.date_fields for line in lines() if (entry := _entry_start(line)) is not None
    )
    title = PurePosixPath(name.replace("\\", "/")).name
    current = _Entry(title=title, date_fields={})  # the preamble, until a dated line
    for line in lines():
        entry = _entry_start(line)
        if entry is not None:
            yield from _entry_documents(current, name, source, author, undated_date, day_first)
            current = entry
            continue
        if current.chars + len(line) > MAX_DOCUMENT_CHARS and current.lines:
            yield from _entry_documents(current, name, source, author, undated_date, day_first)
            current = _Entry(title=_continued(current.title), date_fields=current.date_fields)
        current.add(line)
    yield from _entry_documents(current, name, source, author, undated_date, day_first)


def _entry_documents(
    entry: _Entry,
    name: str,
    source: str,
    author: str,
    undated_date: datetime | None,
    day_first: bool,
) -> Iterator[ParsedDocument]:
    text = _join(entry.lines)
    if not text:
        return
    if entry.date_fields:
        kind, date = "journal", _entry_date(entry.date_fields, day_first=day_first)
    else:
        kind, date = "document", undated_date
    document = _document(kind, source, entry.title, text, date, author)
    document.source_path = name
    yield document


def _continued(title: str) -> str:
    return title if title.endswith(" (continued)") else f"{title} (continued)"


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
        entry = _Entry(title=title, date_fields=match.groupdict())
        if rest:
            entry.add(rest)
        return entry
    return None


def _day_first(date_fields: Iterable[dict[str, str | None]]) -> bool:
    numeric = [fields for fields in date_fields if fields.get("first")]
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
