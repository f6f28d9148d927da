"""File names as they may be shown: an uploaded file's name and the paths inside a zip come
from whoever made the file, and a name can hide its real end behind a right-to-left override
("photo\u202egnp.exe" shows as "photoexe.png") or carry control characters that garble a
page or a log line."""

from __future__ import annotations

import unicodedata

# Characters that reorder the text around them: embeddings, overrides, isolates and marks.
# Joiners (U+200C, U+200D) stay: Persian, Indic scripts and emoji need them.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def display_safe(name: str) -> str:
    """`name` with every control character (C0, C1, DEL) and bidirectional formatting
    character written out as a visible `[U+XXXX]`, so the name shows in the order it is
    stored and nothing in it is invisible."""
    if name.isprintable() and not _BIDI_CONTROLS.intersection(name):
        return name  # the common case, checked in C
    return "".join(f"[U+{ord(char):04X}]" if _is_unsafe(char) else char for char in name)


def _is_unsafe(char: str) -> bool:
    return char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc"
