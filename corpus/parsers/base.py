"""What every parser produces: formats differ, these shapes do not.

A parser turns one file into `ParsedDocument`s (one email, one chat thread, one post, one
journal entry). It never touches the database and knows nothing of memorials; deciding whose
words are whose, registers and passages happens later, in the corpus services.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

logger = logging.getLogger(__name__)


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
    """The result for one file, read whole: documents, or a clear error. An archive yields one
    outcome per member, so one broken member never hides the others."""

    name: str
    format: str = ""  # detected format, "" when unknown
    documents: list[ParsedDocument] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class ReadProgress:
    """How far the reading of one upload is, in files: a zip's members count one each (and
    the zip none) once its member list is read."""

    files_total: int = 1
    files_done: int = 0


class FileReading:
    """One file being read: its name and format at once, its documents one at a time
    (`documents`, to be read to the end before asking for the next file: a zip member's
    temporary file goes then), and `error` once they are all read. A file can fail half way:
    the documents it gave before stay given, and `error` says what went wrong after them."""

    UNEXPECTED = "Legacy could not read this file (an error on our side)."

    def __init__(
        self,
        *,
        name: str,
        format: str = "",
        documents: Iterable[ParsedDocument] = (),
        error: str = "",
        progress: ReadProgress | None = None,
    ) -> None:
        self.name = name
        self.format = format
        self.error = error
        self.count = 0  # documents given so far
        self._source = documents
        self._iterator: Generator[ParsedDocument, None, None] | None = None
        self._progress = progress  # counts this file done once it is read or closed
        self._finished = False

    @property
    def documents(self) -> Iterator[ParsedDocument]:
        if self._iterator is None:
            self._iterator = self._read()
        return self._iterator

    def close(self) -> None:
        """Stop reading: whatever was not read is dropped, its files closed."""
        if self._iterator is not None:
            self._iterator.close()
        elif hasattr(self._source, "close"):
            self._source.close()
        self._finish()

    def _finish(self) -> None:
        if not self._finished and self._progress is not None:
            self._progress.files_done += 1
        self._finished = True

    def collect(self) -> FileOutcome:
        documents = list(self.documents)  # first: `error` is final only once they are read
        return FileOutcome(
            name=self.name, format=self.format, documents=documents, error=self.error
        )

    def _read(self) -> Generator[ParsedDocument, None, None]:
        try:
            for document in self._source:
                self.count += 1
                yield document
        except ParseError as error:
            self.error = str(error)
        except Exception:
            # A bug in one parser must not lose the upload's other files; logged, to fix.
            logger.exception("unexpected error reading %s", self.name)
            self.error = self.UNEXPECTED
        if not self.count and not self.error:
            self.error = "No text was found in this file."
        self._finish()
