"""People's and memorials' names, as typed: one rule for every form and service.

A name ends up in mail headers (subjects), in logs and on pages. A control character (a line
break above all) or an invisible direction override has no place in a name and breaks or
forges headers and log lines; an endless name breaks subjects and layouts. `name_clean`
refuses those and returns the name with its spacing tidied; `name_validator` is the same rule
for a form field, and `header_text` makes any text safe for a header line.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

NAME_MAX_LENGTH = 100
# Unicode's bidirectional overrides and isolates: they can make a name read as another.
_DIRECTION_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Cc: C0 and C1 controls (tab, line feed, escape...); Zl, Zp: line and paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def _forbidden(char: str) -> bool:
    return char in _DIRECTION_CONTROLS or unicodedata.category(char) in _FORBIDDEN_CATEGORIES


def name_clean(value: str, *, label: str = "The name") -> str:
    """`value` with its ends stripped and inner spaces single; ValidationError when it is
    empty, longer than NAME_MAX_LENGTH, or holds a control character, a line break or a
    direction override."""
    if any(_forbidden(char) for char in value):
        raise ValidationError(
            f"{label} can only hold letters, spaces and punctuation on one line.",
            code="name_control_character",
        )
    cleaned = " ".join(value.split())
    if not cleaned:
        raise ValidationError(f"{label} cannot be empty.", code="name_empty")
    if len(cleaned) > NAME_MAX_LENGTH:
        raise ValidationError(
            f"{label} can be at most {NAME_MAX_LENGTH} characters long.", code="name_too_long"
        )
    return cleaned


def name_validator(value: str) -> None:
    """`name_clean` as a form field's validator."""
    name_clean(value)


def header_text(value: str, *, max_length: int) -> str:
    """`value` on one line (every control character, line break and direction override
    becomes a space, runs of spaces one), cut to `max_length` with an ellipsis. For text
    that goes into a mail header or a log line whatever it holds."""
    flat = " ".join("".join(" " if _forbidden(char) else char for char in value).split())
    return flat if len(flat) <= max_length else flat[: max_length - 1].rstrip() + "…"
