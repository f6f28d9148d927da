"""What a document is and where it came from, in plain words: the one mapping from the
parsers' `kind` and `source` (and the detected format of an uploaded file) to what the
subject's pages say. Every page that names them goes through here."""

from __future__ import annotations

from pathlib import PurePosixPath

# The parsers' `source` (and `corpus.parsers.detect`'s format) as a thing a person has.
_SOURCES = {
    "mbox": "Email (mailbox export, such as Gmail's)",
    "eml": "Email (a saved message)",
    "whatsapp": "WhatsApp chat",
    "telegram": "Telegram chat",
    "signal": "Signal chat",
    "instagram": "Instagram messages",
    "messenger": "Facebook Messenger chat",
    "twitter": "Post on X (Twitter)",
    "text": "Text file",
    "markdown": "Text file (Markdown)",
    "docx": "Word document",
    "pdf": "PDF",
    "zip": "Zip file",
}

# Files of prose: what the document is comes from its `kind`, the file only says how.
_FILES = {
    "text": "a text file",
    "markdown": "a Markdown text file",
    "docx": "a Word document",
    "pdf": "a PDF",
}
_PROSE_KINDS = {"journal": "Journal entry", "document": "Writing"}


def _plain(word: str) -> str:
    return word.replace("_", " ").capitalize() or "Unknown"


def format_label(source: str) -> str:
    """An uploaded file's format, or a document's source: "WhatsApp chat", "PDF"."""
    return _SOURCES.get(source, _plain(source))


def document_label(*, kind: str, source: str) -> str:
    """What a document is: "WhatsApp chat", "Email (a saved message)", "Journal entry, from a
    Word document". A kind or source Legacy does not know is shown as its own word."""
    if kind in _PROSE_KINDS and source in _FILES:
        return f"{_PROSE_KINDS[kind]}, from {_FILES[source]}"
    if kind in _PROSE_KINDS:
        return _PROSE_KINDS[kind]
    return format_label(source)


def document_origin(*, source_path: str) -> str:
    """Which uploaded file a document was read from: "Uploaded from a zip: export.zip (chats/
    WhatsApp Chat.txt)" for a file inside a zip (its path inside it in brackets), else
    "Uploaded as notes.txt"; "" when it is not known."""
    if not source_path:
        return ""
    archive, _, member = source_path.partition("/")
    if member and PurePosixPath(archive).suffix.lower() == ".zip":
        return f"Uploaded from a zip: {archive} ({member})"
    return f"Uploaded as {source_path}"
