"""Instagram and Facebook Messenger message exports (messages/inbox/<thread>/message_1.json).

Meta writes these files with every non-ASCII character as UTF-8 bytes escaped one by one as
latin-1 code points ("CafÃ©" for "Café"); every string is repaired before use.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from .base import ParsedDocument, ParsedMessage, ParseError
from .textfile import read_json

# Automatic texts Meta writes in place of reactions, calls and attachments.
_GENERATED = re.compile(
    r"^(?:reacted .{1,20} to your message|.{0,100} sent an attachment\.|you sent an attachment\."
    r"|liked a message|.{0,100} (?:sent|shared) a (?:photo|video|link|story|post|reel)\."
    r"|.{0,100} started (?:a|an audio|a video) call\.|the (?:video )?call ended\.)$",
    re.IGNORECASE,
)

_THREAD_ID = re.compile(r"_\d{6,}$")  # the export's id after a thread's folder name
_ARCHIVE_SUFFIX = re.compile(r"\.(zip|docx)$", re.IGNORECASE)


def fix_mojibake(text: str) -> str:
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text  # already proper text (not latin-1 encodable, or not UTF-8 bytes)


def parse_instagram(path: Path, name: str) -> list[ParsedDocument]:
    return [_thread_document(read_json(path), name, source="instagram")]


def parse_messenger(path: Path, name: str) -> list[ParsedDocument]:
    return [_thread_document(read_json(path), name, source="messenger")]


def _thread_document(data: object, name: str, *, source: str) -> ParsedDocument:
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise ParseError("This JSON file is not a message thread (it has no messages list).")
    entries = [entry for entry in data["messages"] if isinstance(entry, dict)]
    # The files list messages newest first.
    entries.sort(key=lambda entry: _number(entry.get("timestamp_ms")))
    messages = [message for entry in entries if (message := _message(entry)) is not None]
    if not messages:
        raise ParseError("No messages with text were found in this message thread.")
    participants = [
        fix_mojibake(str(person["name"]))
        for person in data.get("participants") or []
        if isinstance(person, dict) and person.get("name")
    ] or list(dict.fromkeys(message.author for message in messages))
    return ParsedDocument(
        kind="chat",
        source=source,
        title=_thread_title(data, name, participants),
        messages=messages,
        date=messages[0].sent_at,
        participants=participants,
        source_path=name,
    )


def _thread_title(data: dict, name: str, participants: list[str]) -> str:
    """The thread's own title; else its folder's name (inbox/<name>_<id>/message_1.json),
    without the export's id; else the people in it. Never the name of the zip it came in."""
    if title := data.get("title"):
        return fix_mojibake(str(title))
    folder = PurePosixPath(name.replace("\\", "/")).parent.name
    if folder and not _ARCHIVE_SUFFIX.search(folder):
        return _THREAD_ID.sub("", folder) or folder
    if participants:
        return "Chat with " + ", ".join(participants[:4])
    return PurePosixPath(name).stem


def _message(entry: dict) -> ParsedMessage | None:
    content = entry.get("content")
    if not isinstance(content, str) or entry.get("is_unsent"):
        return None
    text = fix_mojibake(content).strip()
    if not text or _GENERATED.match(text):
        return None
    timestamp = _number(entry.get("timestamp_ms"))
    return ParsedMessage(
        author=fix_mojibake(str(entry.get("sender_name") or "")),
        text=text,
        sent_at=datetime.fromtimestamp(timestamp / 1000, tz=UTC) if timestamp else None,
    )


def _number(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0
