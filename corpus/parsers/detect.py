"""Which format an upload is in, judged from its content first and its name second."""

from __future__ import annotations

import codecs
import re
import zipfile
from pathlib import Path, PurePosixPath

from . import signal, whatsapp
from .base import ParseError
from .textfile import read_json
from .twitter import TWEETS_PREFIX

ACCEPTED = (
    "emails (.mbox, .eml), WhatsApp, Signal and Telegram chats, Instagram and Facebook "
    "Messenger messages, X/Twitter archives, text and Markdown files, Word (.docx) and PDF "
    "documents, and .zip archives of these"
)
_SNIFF_BYTES = 64 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls, .ppt, .msg
_FIELD = re.compile(r"^[!-9;-~]+:")  # an RFC 5322 header field name and its colon
_EMAIL_FIELDS = frozenset(
    [
        "from",
        "sender",
        "received",
        "message-id",
        "mime-version",
        "return-path",
        "delivered-to",
        "in-reply-to",
    ]
)
_MBOX_SEPARATOR = re.compile(r"^From \S+")
_TELEGRAM_HINT = re.compile(r'"date_unixtime"\s*:|"chats"\s*:\s*\{|"type"\s*:\s*"service"')
_CHAT_SNIFF_LINES = 50


def detect_format(path: Path, filename: str) -> str:
    """One of: zip, docx, pdf, mbox, eml, whatsapp, signal, telegram, instagram, messenger,
    twitter, markdown, text. Raises ParseError for anything else."""
    with path.open("rb") as file:
        head = file.read(_SNIFF_BYTES)
    if not head:
        raise ParseError("This file is empty.")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path, filename)
    if PurePosixPath(filename).suffix.lower() == ".zip":
        # Named a zip, but its first bytes are not a zip's: cut short or overwritten.
        raise ParseError(DAMAGED_ZIP)
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(_OLE_MAGIC):
        raise ParseError(
            f"{_display(filename)} is an older Microsoft Office file, which Legacy cannot read. "
            "Please save it as .docx or PDF and upload it again."
        )
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise not_readable(filename)
    return _text_kind(path, _head_text(head), filename)


DAMAGED_ZIP = "This zip file is damaged or incomplete."


def not_readable(filename: str) -> ParseError:
    return ParseError(
        f"{_display(filename)} is not a format Legacy can read (we accept {ACCEPTED})."
    )


def _zip_kind(path: Path, filename: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "zip"  # the archive reader explains what is wrong with it
    if "word/document.xml" in names:
        return "docx"
    if "[Content_Types].xml" in names or "mimetype" in names:
        raise not_readable(filename)  # a spreadsheet, presentation, e-book...
    return "zip"


def _head_text(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head[: len(head) // 2 * 2].decode("utf-16", errors="replace")
    # Every pattern sniffed below is ASCII, which all accepted encodings share.
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def _text_kind(path: Path, text: str, filename: str) -> str:
    stripped = text.lstrip()
    if TWEETS_PREFIX.match(stripped):
        return "twitter"
    if stripped.startswith("window.YTD."):
        raise ParseError(
            f"{_display(filename)} is part of an X/Twitter archive but holds no posts "
            "(Legacy reads tweets.js)."
        )
    lines = text.replace("\r\n", "\n").split("\n")
    chat = _chat_kind(lines)
    if chat:
        return chat
    if stripped[:1] in ("{", "["):
        return _json_kind(path, stripped, filename)
    suffix = PurePosixPath(filename).suffix.lower()
    if _MBOX_SEPARATOR.match(lines[0]) and len(lines) > 1 and _FIELD.match(lines[1]):
        return "eml" if suffix == ".eml" else "mbox"
    if _looks_like_email(lines):
        return "eml"
    return _kind_from_name(suffix, filename)


def _looks_like_email(lines: list[str]) -> bool:
    fields = set()
    for line in lines:
        if not line.strip():
            break  # the end of the header block
        if line[0] in " \t":
            continue  # a folded header's continuation
        field = _FIELD.match(line)
        if field is None:
            return False
        fields.add(field.group()[:-1].lower())
    return len(fields) >= 2 and bool(fields & _EMAIL_FIELDS)


def _chat_kind(lines: list[str]) -> str:
    """A chat export's first line is a dated one, and some of the first lines have authors."""
    sample = [line for line in lines[:_CHAT_SNIFF_LINES] if line.strip()]
    for kind, header in (("signal", signal.HEADER), ("whatsapp", whatsapp.HEADER)):
        matches = [match for line in sample if (match := header.match(line))]
        if sample and header.match(sample[0]) and any(": " in m["rest"] for m in matches):
            return kind
    return ""


def _kind_from_name(suffix: str, filename: str) -> str:
    if suffix in (".md", ".markdown", ".mdown"):
        return "markdown"
    if suffix in ("", ".txt", ".text"):
        return "text"
    if suffix in (".eml", ".mbox"):
        return suffix[1:]
    raise not_readable(filename)


def _json_kind(path: Path, head: str, filename: str) -> str:
    if _TELEGRAM_HINT.search(head):
        return "telegram"
    if '"sender_name"' in head and '"timestamp_ms"' in head:
        return _meta_kind(filename)
    # The head did not tell (a big export whose messages start late): look at the whole file.
    data = read_json(path)
    if isinstance(data, dict):
        chats = data.get("chats")
        if isinstance(chats, dict) and isinstance(chats.get("list"), list):
            return "telegram"
        messages = data.get("messages")
        if isinstance(messages, list):
            first = messages[0] if messages and isinstance(messages[0], dict) else {}
            if "sender_name" in first or "participants" in data:
                return _meta_kind(filename)
            return "telegram"
    raise ParseError(
        f"{_display(filename)} is a JSON file, but not a chat export Legacy knows "
        f"(we accept {ACCEPTED})."
    )


def _meta_kind(filename: str) -> str:
    """Instagram and Messenger threads share one shape; only the export's folder names
    ("your_instagram_activity/messages/...") tell them apart."""
    return "instagram" if "instagram" in filename.lower() else "messenger"


def _display(filename: str) -> str:
    return PurePosixPath(filename.replace("\\", "/")).name or "This file"
