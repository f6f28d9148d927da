"""Chats exported as text, one "<date> <time> <author>: <text>" line per message.

WhatsApp and Signal exports share this shape and differ in how the date is written. A line that
does not start with a date continues the message above it. Whether numeric dates are day first
or month first is decided per file, from all its dates, because one line alone (01/02/21) is
often ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from .base import ParsedMessage

# (first, second, third date field, hour, minute, second, am/pm letter or "")
Stamp = tuple[str, str, str, str, str, str, str]

# The author ends at the first ": "; "John Doe:." (no space) is how WhatsApp writes some
# system events, so it is not a message.
_AUTHOR = re.compile(r"(?P<author>[^:]{1,100}): (?P<text>.*)", re.DOTALL)

# Lines that stand for media or events, not words the person wrote.
_PLACEHOLDER = re.compile(
    r"^(?:<media omitted>|(?:image|video|audio|sticker|gif|document|contact card) omitted"
    r"|.* document omitted|<attached: [^>]*>|this message was deleted|you deleted this message"
    r"|null|missed (?:voice|video|group voice|group video) call|location: https?://\S+"
    r"|live location shared|waiting for this message\. this may take a while\.)$",
    re.IGNORECASE,
)
_INLINE_NOISE = re.compile(r"<attached: [^>]*>|<this message was edited>", re.IGNORECASE)
# iOS exports write group events as messages "from" the group, their text marked with U+200E.
_IOS_EVENT = re.compile(
    r"^\u200e(?:messages and calls are end-to-end encrypted|.*\b(?:created (?:this )?group"
    r"|added|removed|left|joined using this group's invite link|changed (?:the subject"
    r"|this group's icon|the group description)|security code (?:with .* )?changed)\b)",
    re.IGNORECASE,
)


@dataclass
class _RawMessage:
    stamp: Stamp
    author: str
    lines: list[str]


@dataclass
class _DateOrderEvidence:
    """What a file's dates say about their field order."""

    year_first: bool = False
    first_over_12: bool = False
    second_over_12: bool = False
    twelve_hour: bool = False

    def add(self, stamp: Stamp) -> None:
        first, second, _, _, _, _, ampm = stamp
        self.year_first = self.year_first or len(first) == 4
        self.first_over_12 = self.first_over_12 or int(first) > 12
        self.second_over_12 = self.second_over_12 or int(second) > 12
        self.twelve_hour = self.twelve_hour or bool(ampm)

    def order(self) -> str:
        if self.year_first:
            return "ymd"
        if self.first_over_12:
            return "dmy"
        if self.second_over_12:
            return "mdy"
        # Nothing decides it: 12-hour clocks mostly come with US month-first dates.
        return "mdy" if self.twelve_hour else "dmy"


def read_line_chat(lines: Iterable[str], header: re.Pattern[str]) -> list[ParsedMessage]:
    """Messages from chat lines; `header` matches a message's first line with the groups
    d1, d2, d3, hour, minute, and optionally second, ampm, then rest."""
    evidence = _DateOrderEvidence()
    raw: list[_RawMessage] = []
    current: _RawMessage | None = None
    for line in lines:
        match = header.match(line)
        if match is None:
            if current is not None:
                current.lines.append(line)
            continue
        stamp = _stamp(match)
        evidence.add(stamp)
        author = _AUTHOR.match(match["rest"])
        # A line with no author is an event ("X added Y"); its continuation lines go with it.
        current = _RawMessage(stamp, author["author"].strip(), [author["text"]]) if author else None
        if current is not None:
            raw.append(current)
    order = evidence.order()
    messages = []
    for message in raw:
        text = _clean_text(message.lines)
        if text:
            messages.append(
                ParsedMessage(
                    author=message.author, text=text, sent_at=_datetime(message.stamp, order)
                )
            )
    return messages


def _stamp(match: re.Match[str]) -> Stamp:
    groups = match.groupdict()
    return (
        groups["d1"],
        groups["d2"],
        groups["d3"],
        groups["hour"],
        groups["minute"],
        groups.get("second") or "0",
        (groups.get("ampm") or "").lower(),
    )


def _datetime(stamp: Stamp, order: str) -> datetime | None:
    first, second, third, hour, minute, seconds, ampm = stamp
    if order == "ymd":
        year, month, day = first, second, third
    elif order == "dmy":
        day, month, year = first, second, third
    else:
        month, day, year = first, second, third
    full_year = int(year) + 2000 if len(year) <= 2 else int(year)
    hours = int(hour)
    if ampm:
        hours = hours % 12 + (12 if ampm == "p" else 0)
    try:
        # The exports carry no time zone; read them as UTC, as ParsedMessage documents.
        return datetime(
            full_year, int(month), int(day), hours, int(minute), int(seconds), tzinfo=UTC
        )
    except ValueError:
        return None


def _clean_text(lines: list[str]) -> str:
    if lines[0].startswith("\u200e") and _IOS_EVENT.match(lines[0]):
        return ""
    kept = []
    for line in lines:
        if "<" in line:
            line = _INLINE_NOISE.sub("", line)
        line = line.replace("\u200e", "").rstrip()
        if not _PLACEHOLDER.match(line.strip()):
            kept.append(line)
    return "\n".join(kept).strip()
