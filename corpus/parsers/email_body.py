"""An email's own words: its text body, without the quoted replies, forwarded messages and
signatures that mail clients add (they are someone else's words, or boilerplate)."""

from __future__ import annotations

import re
from email.message import EmailMessage, Message
from html.parser import HTMLParser

import charset_normalizer

# Where an email's own text ends: everything from such a line on is quoted or forwarded.
_CUT_LINE = re.compile(
    r"^(?:-{2,}\s*Original Message\s*-{2,}|-{2,}\s*Forwarded message\s*-{2,}"
    r"|Begin forwarded message:|Sent from my \w[\w -]{0,30}|Get Outlook for \w+"
    r"|Sent from (?:Mail for Windows|Yahoo Mail|Outlook)\b.*)$",
    re.IGNORECASE,
)
_SIGNATURE_DELIMITER = re.compile(r"^--\s?$")
# "On Tue, 5 Aug 2008 at 01:00, Ann <ann@example.com> wrote:", in a few languages; clients
# wrap it over up to three lines.
_ATTRIBUTION = re.compile(
    r"^(?:On|Le|Am|El|Op|Il|Em)\s.{1,300}(?:wrote|a écrit|schrieb|escribió|schreef"
    r"|ha scritto|escreveu)\s?:$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\*?From:\*?\s")
_OUTLOOK_SENT = re.compile(r"^\*?(?:Sent|Date):\*?\s")
_UNDERSCORES = re.compile(r"^_{10,}$")
_BLANK_RUNS = re.compile(r"\n{3,}")


def body_text(message: Message) -> str:
    """The message's own text: plain text preferred, else its HTML as text, replies stripped."""
    part = _body_part(message)
    if part is None:
        return ""
    text = _own_text(part)
    if not text and part.get_content_type() == "text/plain":
        # Some mailers send an empty plain-text alternative next to the real HTML body.
        html_part = _body_part(message, preference=("html",))
        text = _own_text(html_part) if html_part is not None else ""
    return text


def _own_text(part: Message) -> str:
    text = _part_text(part)
    if part.get_content_type() == "text/html":
        text = html_to_text(text)
    return strip_replies(text)


def strip_replies(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = []
    for index, line in enumerate(lines):
        if _ends_own_text(lines, index):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return _BLANK_RUNS.sub("\n\n", "\n".join(kept)).strip()


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def _ends_own_text(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if _SIGNATURE_DELIMITER.match(lines[index]) or _CUT_LINE.match(line):
        return True
    following = [other.strip() for other in lines[index + 1 : index + 4]]
    for span in range(1, 4):
        if _ATTRIBUTION.match(" ".join([line, *following[: span - 1]])):
            return True
    next_text = next((other for other in following if other), "")
    if line.endswith("wrote:") and next_text.startswith(">"):
        return True
    if _UNDERSCORES.match(line) and _OUTLOOK_FROM.match(next_text):
        return True
    return bool(_OUTLOOK_FROM.match(line)) and any(_OUTLOOK_SENT.match(o) for o in following)


def _body_part(message: Message, preference: tuple[str, ...] = ("plain", "html")) -> Message | None:
    if isinstance(message, EmailMessage):
        try:
            part = message.get_body(preferencelist=preference)
        except (KeyError, ValueError, TypeError, AttributeError, IndexError):
            part = None  # malformed MIME structure: fall back to walking the parts
        if part is not None:
            return part
    wanted = {f"text/{subtype}" for subtype in preference}
    for candidate in message.walk():
        if candidate.get_content_type() in wanted and not _is_attachment(candidate):
            return candidate
    return None


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("Content-Disposition", "")).lower()
    return disposition.startswith("attachment")


def _part_text(part: Message) -> str:
    try:
        content = part.get_content() if isinstance(part, EmailMessage) else None
        # U+FFFD means the declared charset (often none, so ASCII) was wrong for the bytes.
        if isinstance(content, str) and "\ufffd" not in content:
            return content
    except (LookupError, UnicodeError, ValueError, AssertionError, TypeError, KeyError):
        pass  # unknown charset or broken transfer encoding: decode the raw bytes ourselves
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, part.get_content_charset())


def decode_bytes(data: bytes, charset: str | None) -> str:
    for encoding in (charset, "utf-8"):
        if encoding:
            try:
                return data.decode(encoding)
            except (LookupError, UnicodeError):
                continue
    best = charset_normalizer.from_bytes(data).best()
    return str(best) if best is not None else data.decode("latin-1")


class _HtmlText(HTMLParser):
    """HTML to plain text: block elements become line breaks; scripts, styles and quoted
    replies (<blockquote>) are left out."""

    _BLOCKS = frozenset(
        [
            "p",
            "div",
            "br",
            "li",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "table",
            "ul",
            "ol",
            "pre",
            "hr",
            "dt",
            "dd",
            "section",
            "article",
        ]
    )
    _SKIPPED = frozenset({"script", "style", "head", "title", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skip_depth += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)  # <br/> is one line break, not two

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data.replace("\n", " "))
