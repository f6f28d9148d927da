"""Telegram Desktop JSON exports: one chat (result.json of a chat) or a whole account."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from .base import ParsedDocument, ParsedMessage, ParseError
from .textfile import read_json


def parse_telegram(path: Path, name: str) -> list[ParsedDocument]:
    data = read_json(path)
    chats = _chats(data)
    documents = []
    for chat in chats:
        document = _chat_document(chat, name)
        if document is not None:
            documents.append(document)
    if not documents:
        raise ParseError("No messages with text were found in this Telegram export.")
    return documents


def _chats(data: object) -> list[dict]:
    if not isinstance(data, dict):
        raise ParseError("This JSON file is not a Telegram export (no chats or messages in it).")
    chats = data.get("chats")
    if isinstance(chats, dict) and isinstance(chats.get("list"), list):
        return [chat for chat in chats["list"] if isinstance(chat, dict)]
    if isinstance(data.get("messages"), list):
        return [data]
    raise ParseError("This JSON file is not a Telegram export (no chats or messages in it).")


def _chat_document(chat: dict, name: str) -> ParsedDocument | None:
    messages = []
    for entry in chat.get("messages") or []:
        message = _message(entry)
        if message is not None:
            messages.append(message)
    if not messages:
        return None
    title = chat.get("name") or PurePosixPath(name.replace("\\", "/")).stem
    return ParsedDocument(
        kind="chat",
        source="telegram",
        title=str(title),
        messages=messages,
        date=messages[0].sent_at,
        participants=list(dict.fromkeys(message.author for message in messages)),
        source_path=name,
        external_id=str(chat.get("id", "")),
    )


def _message(entry: object) -> ParsedMessage | None:
    # Service messages are events (joins, pins, calls), not anyone's words.
    if not isinstance(entry, dict) or entry.get("type", "message") != "message":
        return None
    text = message_text(entry.get("text")).strip()
    if not text:
        return None
    return ParsedMessage(
        author=str(entry.get("from") or "Deleted Account"),
        text=text,
        sent_at=_sent_at(entry),
        author_id=str(entry.get("from_id") or ""),
    )


def message_text(value: object) -> str:
    """Telegram writes formatted text as a list of plain strings and entity objects
    ({"type": "bold", "text": "..."}); their texts run together exactly as shown."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(message_text(part) for part in value)
    if isinstance(value, dict):
        return message_text(value.get("text", ""))
    return ""


def _sent_at(entry: dict) -> datetime | None:
    unixtime = entry.get("date_unixtime")
    try:
        if unixtime is not None:
            return datetime.fromtimestamp(int(unixtime), tz=UTC)
        if isinstance(entry.get("date"), str):
            # Older exports only have the local time, with no zone: read as UTC.
            return datetime.fromisoformat(entry["date"]).replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None
