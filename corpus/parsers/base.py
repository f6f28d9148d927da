"""What every parser produces: formats differ, these shapes do not.

A parser turns one file into `ParsedDocument`s (one email, one chat thread, one post, one
journal entry). It never touches the database and knows nothing of memorials; deciding whose
words are whose, registers and passages happens later, in the corpus services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class ParseError(Exception):
    """A file that cannot be read. The message is shown to the person who uploaded it,
    so it says what is wrong in plain words ("This zip archive is truncated: ...")."""


@dataclass
class ParsedMessage:
    """One utterance: an email body, a chat message, a tweet, a journal entry's text."""

    author: str  # display name as the source gives it ("Ann Smith", "Melanie")
    text: str
    sent_at: datetime | None = None  # timezone-aware; sources without a zone are read as UTC
    author_id: str = ""  # address, handle or account id when the source has one


@dataclass
class ParsedDocument:
    kind: str  # "email" | "chat" | "post" | "journal" | "document"
    source: str  # the format: "mbox", "eml", "whatsapp", "telegram", "signal", "instagram",
    #              "messenger", "twitter", "text", "markdown", "docx", "pdf"
    title: str  # subject line, chat name, file name, entry heading
    messages: list[ParsedMessage]
    date: datetime | None = None  # the document's own date (first message for a chat)
    participants: list[str] = field(default_factory=list)  # everyone named in it, ids or names
    labels: list[str] = field(default_factory=list)  # e.g. Gmail labels
    source_path: str = ""  # the file's name, or its path inside an archive
    external_id: str = ""  # e.g. Message-ID, tweet id; "" when the source has none


@dataclass
class FileOutcome:
    """The result for one file: documents, or a clear error. An archive yields one outcome
    per member, so one broken member never hides the others."""

    name: str
    format: str = ""  # detected format, "" when unknown
    documents: list[ParsedDocument] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error
