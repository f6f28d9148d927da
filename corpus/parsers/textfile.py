"""Reading uploaded text: finding its encoding and walking its lines without trusting its size.

Uploads are untrusted: a "text" file may be 30 MB on one line, or not text at all. Lines are
therefore read in bounded pieces (a line longer than MAX_LINE_CHARS comes out as several, cut
at a space where there is one), and whole-file reads (JSON) are refused above a size limit.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path

import charset_normalizer

from .base import ParseError

# Text, chat and JSON exports of one person's writing stay far below this (a 100,000-message
# WhatsApp chat is about 8 MB); anything larger is refused rather than held in memory.
MAX_TEXT_BYTES = 64 * 1024 * 1024
# Longer lines are split: no human paragraph is this long, and regexes then stay cheap.
MAX_LINE_CHARS = 100_000
_UTF8_CHECK_CHUNK = 1024 * 1024


def detect_encoding(path: Path) -> str:
    """The encoding to read `path` with: a BOM wins, then UTF-8 if every byte is valid,
    else charset-normalizer's best guess."""
    with path.open("rb") as file:
        start = file.read(4)
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _is_utf8(path):
        return "utf-8"
    matches = charset_normalizer.from_path(path)
    best = matches.best()
    if best is None:
        raise ParseError(
            "The text in this file is in an encoding Legacy cannot recognise. "
            "Please save it as UTF-8 and upload it again."
        )
    # Short texts often tie between Windows code pages; 1252 (Western) is by far the commonest.
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    if any("cp1252" in match.could_be_from_charset for match in tied):
        return "cp1252"
    return best.encoding


def iter_lines(path: Path, encoding: str | None = None) -> Iterator[str]:
    """The file's lines without line endings. A line longer than MAX_LINE_CHARS is given in
    pieces of at most that length (cut after its last space, when it has one in its second
    half), so that no more than that is ever held of it."""
    encoding = encoding or detect_encoding(path)
    try:
        with path.open(encoding=encoding, errors="strict", newline=None) as file:
            carried = ""
            while piece := file.readline(MAX_LINE_CHARS - len(carried)):
                line = carried + piece
                carried = ""
                if line.endswith("\n"):
                    yield line[:-1]
                    continue
                # Cut short by the limit (else it is the file's last line, unended).
                cut = line.rfind(" ", MAX_LINE_CHARS // 2) if len(line) == MAX_LINE_CHARS else -1
                if cut > 0:
                    line, carried = line[:cut], line[cut + 1 :]
                yield line
            if carried:
                yield carried
    except UnicodeError as error:
        raise _decode_error(encoding) from error


def read_text(path: Path, *, max_bytes: int | None = None) -> str:
    """The whole file as text, for formats that must be read at once (JSON)."""
    check_text_size(path, max_bytes=max_bytes)
    encoding = detect_encoding(path)
    try:
        return path.read_bytes().decode(encoding)
    except UnicodeError as error:
        raise _decode_error(encoding) from error


BROKEN_JSON = (
    "This JSON file is damaged or incomplete: it may have been cut short while it was saved "
    "or downloaded. Please export it again and upload the new file."
)


def read_json(path: Path, *, max_bytes: int | None = None) -> object:
    try:
        return json.loads(read_text(path, max_bytes=max_bytes))
    except json.JSONDecodeError as error:
        raise ParseError(BROKEN_JSON) from error


def check_text_size(path: Path, *, max_bytes: int | None = None) -> None:
    limit = MAX_TEXT_BYTES if max_bytes is None else max_bytes
    size = path.stat().st_size
    if size > limit:
        raise ParseError(
            f"This file is too large to read ({size / 1_000_000:.0f} MB; "
            f"the limit is {limit / 1_000_000:.0f} MB)."
        )


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as file:
            while chunk := file.read(_UTF8_CHECK_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _decode_error(encoding: str) -> ParseError:
    return ParseError(
        f"This file's text is not valid {encoding} (it may have been saved in a different "
        "encoding than it declares). Please save it as UTF-8 and upload it again."
    )
