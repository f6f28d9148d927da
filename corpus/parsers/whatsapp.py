"""WhatsApp "Export chat" text files, from Android and iOS, in any of their date formats."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from .base import ParsedDocument, ParseError
from .linechat import read_line_chat
from .textfile import check_text_size, iter_lines

# Android: "01/01/19, 11:25 - John: hi", "1/1/19, 11:25 AM - ...", "2019/01/01, 11:25 - ...",
# "01.01.19, 11:25 - ...", "01/01/2019, 11:25 a. m. - ..."; iOS: "[01/01/19, 11:25:03] John: hi".
HEADER = re.compile(
    r"^\u200e?\[?(?P<d1>\d{1,4})[./-](?P<d2>\d{1,2})[./-](?P<d3>\d{2,4}),?\s+"
    r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?"
    r"(?:[\s\u202f]*(?P<ampm>[aApP])\.?\s?[mM]\.?)?"
    r"(?:\]\s|\s[-\u2013]\s)(?P<rest>.*)$"
)
_CHAT_NAME = re.compile(r"^WhatsApp Chat (?:with|-) (?P<name>.+?)(?:\.txt|\.zip)?$", re.IGNORECASE)


def parse_whatsapp(path: Path, name: str) -> list[ParsedDocument]:
    check_text_size(path)
    messages = read_line_chat(iter_lines(path), HEADER)
    if not messages:
        raise ParseError("No messages were found in this WhatsApp chat export.")
    return [
        ParsedDocument(
            kind="chat",
            source="whatsapp",
            title=chat_title(name),
            messages=messages,
            date=messages[0].sent_at,
            participants=list(dict.fromkeys(message.author for message in messages)),
            source_path=name,
        )
    ]


def chat_title(name: str) -> str:
    """ "WhatsApp Chat with Ann.txt" -> "Ann"; an iOS "_chat.txt" takes its zip's name."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    for part in reversed(parts):
        match = _CHAT_NAME.match(part)
        if match:
            return match["name"]
    return PurePosixPath(parts[-1]).stem if parts else name
