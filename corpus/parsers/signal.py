"""Signal chats exported as text: "[2019-12-24, 12:23] Jane Doe: Hello John!"."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from .base import ParsedDocument, ParseError
from .linechat import read_line_chat
from .textfile import check_text_size, iter_lines

# The comma and the missing seconds tell it from iOS WhatsApp with ISO dates
# ("[2019-12-24 12:23:45]").
HEADER = re.compile(
    r"^\[(?P<d1>\d{4})-(?P<d2>\d{2})-(?P<d3>\d{2}), (?P<hour>\d{2}):(?P<minute>\d{2})\] "
    r"(?P<rest>.*)$"
)


def parse_signal(path: Path, name: str) -> list[ParsedDocument]:
    check_text_size(path)
    messages = read_line_chat(iter_lines(path), HEADER)
    if not messages:
        raise ParseError("No messages were found in this Signal chat export.")
    return [
        ParsedDocument(
            kind="chat",
            source="signal",
            title=PurePosixPath(name.replace("\\", "/")).stem,
            messages=messages,
            date=messages[0].sent_at,
            participants=list(dict.fromkeys(message.author for message in messages)),
            source_path=name,
        )
    ]
