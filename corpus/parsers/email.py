"""Email: mbox files (Gmail Takeout, Thunderbird, Apple Mail) and single .eml messages.

Headers are read leniently: real mailboxes hold broken dates, undecodable names and malformed
address lists, and one bad header must cost at most that field, never the message.
"""

from __future__ import annotations

import email
import logging
import mailbox
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.errors import StartBoundaryNotFoundDefect
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from .base import ParsedDocument, ParsedMessage, ParseError
from .email_body import body_text

logger = logging.getLogger(__name__)

# Larger messages are attachments (videos, archives), not writing; they are skipped.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
_HEADER_FIELD = re.compile(rb"^[!-9;-~]+:")  # an RFC 5322 field name and its colon
_CONTROL_BYTES = [bytes([code]) for code in (*range(1, 9), 11, 14, *range(16, 27), *range(28, 32))]
_SNIFF_BYTES = 64 * 1024


def parse_eml(path: Path, name: str) -> list[ParsedDocument]:
    if path.stat().st_size > MAX_MESSAGE_BYTES:
        raise ParseError("This email is too large to read (its attachments are over 64 MB).")
    document = message_document(path.read_bytes(), source="eml", name=name)
    if document is None:
        raise ParseError(
            "This email has no text of its own (once quoted replies, forwarded messages "
            "and signatures are left out)."
        )
    return [document]


def parse_mbox(path: Path, name: str) -> Iterator[ParsedDocument]:
    """The mailbox's emails one by one. Messages that are not email (binary data after a
    `From ` line, no header) and messages too large to read are skipped and counted; the
    count is reported on the file once the others are read."""
    box = mailbox.mbox(path, create=False)
    count = 0
    skipped = Counter[str]()
    try:
        for key in box.iterkeys():
            raw = box.get_bytes(key)
            if len(raw) > MAX_MESSAGE_BYTES:
                skipped["too large to read (over 64 MB with their attachments)"] += 1
                continue
            if not _looks_like_email(raw):
                skipped["not email (binary data or no headers after a 'From ' line)"] += 1
                continue
            try:
                document = message_document(raw, source="mbox", name=name)
            except Exception:
                # The stdlib MIME parser has crashers on odd input; one message must not
                # cost a mailbox of thousands. Logged, so the bug can be fixed.
                logger.exception("unexpected error parsing message %s of %s", key, name)
                skipped["that Legacy could not read (an error on our side)"] += 1
                continue
            if document is not None:
                count += 1
                yield document
    finally:
        box.close()
    reasons = "; ".join(
        f"{number} {'message' if number == 1 else 'messages'} {reason}"
        for reason, number in skipped.items()
    )
    if not count:
        raise ParseError(
            "No emails with text of their own were found in this mailbox"
            + (f" (skipped: {reasons})." if reasons else ".")
        )
    if reasons:
        raise ParseError(f"skipped: {reasons}; the other emails were read.")


def _looks_like_email(raw: bytes) -> bool:
    """An email starts with header fields and holds no NUL bytes, nor more than a trace of
    other control bytes (8-bit text is fine: broken mailers send it, and it is decoded)."""
    if b"\x00" in raw:
        return False
    first = raw.lstrip(b"\r\n").split(b"\n", 1)[0]
    if not _HEADER_FIELD.match(first):
        return False
    sample = raw[:_SNIFF_BYTES]
    controls = sum(sample.count(byte) for byte in _CONTROL_BYTES)
    return controls <= len(sample) // 100


def message_document(raw: bytes, *, source: str, name: str) -> ParsedDocument | None:
    """One email as a document, or None when nothing of the sender's own words remains."""
    message = email.message_from_bytes(raw, policy=policy.default)
    text = body_text(_body_source(message, raw))
    if not text:
        return None
    senders = _addresses(message, "From")
    display_name, address = senders[0] if senders else ("", "")
    sent_at = _date(message)
    recipients = _addresses(message, "To") + _addresses(message, "Cc")
    return ParsedDocument(
        kind="email",
        source=source,
        title=_header(message, "Subject"),
        messages=[
            ParsedMessage(
                author=display_name or address,
                text=text,
                sent_at=sent_at,
                author_id=address.lower(),
            )
        ],
        date=sent_at,
        participants=list(dict.fromkeys((addr or who).lower() for who, addr in recipients)),
        labels=_labels(message),
        source_path=name,
        external_id=_header(message, "Message-ID"),
    )


def _body_source(message: Message, raw: bytes) -> Message:
    """The modern parser misreads unquoted MIME boundaries holding "=" (Outlook's
    "----=_NextPart_..."), finding no parts at all; the compat32 parser reads them right."""
    if any(isinstance(defect, StartBoundaryNotFoundDefect) for defect in message.defects):
        return email.message_from_bytes(raw, policy=policy.compat32)
    return message


def _header(message: Message, name: str) -> str:
    """A header's decoded text, "" when absent. Raw 8-bit headers (RFC 6532, or broken
    mailers) are decoded here; anything the stdlib header parser chokes on is decoded from
    its raw value."""
    raw = _raw_header(message, name)
    if _has_raw_bytes(raw):
        text = _decode_words(_bytes_to_text(raw))
    else:
        try:
            value = message.get(name)
            text = "" if value is None else str(value)
        except Exception:  # the header parser raises assorted errors on malformed input
            text = _decode_words(raw)
    return " ".join(text.split())


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(display name, address) pairs of an address header."""
    try:
        header = message.get(name)
        addresses = getattr(header, "addresses", ())
        found = [(address.display_name, address.addr_spec) for address in addresses]
    except Exception:  # malformed address lists raise from deep in the header parser
        found = []
    if found:
        return [
            (" ".join(_bytes_to_text(who).split()), _bytes_to_text(addr) if "@" in addr else "")
            for who, addr in found
        ]
    raw = _raw_header(message, name)
    pairs = getaddresses([raw]) if raw else []
    return [
        (_decode_words(_bytes_to_text(who)), _bytes_to_text(addr))
        for who, addr in pairs
        if who or addr
    ]


def _date(message: Message) -> datetime | None:
    raw = _raw_header(message, "Date")
    if not raw:
        return None
    try:
        sent_at = parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    sent_at = sent_at if sent_at.tzinfo else sent_at.replace(tzinfo=UTC)
    # Spam and broken clients send dates centuries ahead; those say nothing about when.
    return sent_at if sent_at.year <= datetime.now(UTC).year + 1 else None


def _labels(message: Message) -> list[str]:
    # Gmail Takeout writes a message's labels as "Inbox,Important,Opened".
    value = _header(message, "X-Gmail-Labels")
    return [label.strip() for label in value.split(",") if label.strip()]


def _raw_header(message: Message, name: str) -> str:
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return ""


def _has_raw_bytes(text: str) -> bool:
    # The parser keeps undecodable header bytes as lone surrogates (U+DC80-U+DCFF).
    return any("\udc80" <= char <= "\udcff" for char in text)


def _bytes_to_text(text: str) -> str:
    """Header bytes kept as surrogates, decoded as UTF-8, else as Windows-1252."""
    if not _has_raw_bytes(text):
        return text
    data = text.encode("utf-8", errors="surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _decode_words(raw: str) -> str:
    """RFC 2047 encoded words ("=?ISO-8859-1?Q?J=F8rn?=") to text, leniently."""
    try:
        return str(make_header(decode_header(raw)))
    except (LookupError, UnicodeError, ValueError, TypeError):
        return raw
