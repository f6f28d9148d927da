"""Names reach mail headers, logs and pages: one line, of a sensible length, or refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from core.names import NAME_MAX_LENGTH, header_text, name_clean


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("  Ada   Lovelace ", "Ada Lovelace"),
        ("Zoë Ñúñez-O'Brien", "Zoë Ñúñez-O'Brien"),
        ("李小龍", "李小龍"),
        ("Nana 👩\u200d👩\u200d👧", "Nana 👩\u200d👩\u200d👧"),  # a zero-width joiner is fine
    ],
)
def test_real_names_are_kept_with_their_spacing_tidied(typed, kept):
    assert name_clean(typed) == kept


@pytest.mark.parametrize(
    "typed",
    [
        "Ada\nLovelace",
        "Ada\r\nBcc: someone@example.org",
        "Ada\tLovelace",
        "Ada\x00",
        "Ada\x1b[31m",
        "Ada\u2028Lovelace",  # line separator
        "Ada \u202eecalevoL",  # right-to-left override
        "Ada\x85",  # next line (C1)
    ],
)
def test_control_characters_and_line_breaks_are_refused(typed):
    with pytest.raises(ValidationError) as refused:
        name_clean(typed, label="Your name")
    assert refused.value.messages == [
        "Your name can only hold letters, spaces and punctuation on one line."
    ]


def test_empty_and_endless_names_are_refused():
    with pytest.raises(ValidationError, match="cannot be empty"):
        name_clean("   ")
    assert name_clean("a" * NAME_MAX_LENGTH) == "a" * NAME_MAX_LENGTH
    with pytest.raises(ValidationError, match=f"at most {NAME_MAX_LENGTH}"):
        name_clean("a" * (NAME_MAX_LENGTH + 1))


def test_header_text_is_one_line_that_fits():
    assert header_text("Ada\r\nBcc: x@example.org\u2028 and \u202eme", max_length=80) == (
        "Ada Bcc: x@example.org and me"
    )
    cut = header_text("word " * 100, max_length=20)
    assert len(cut) == 20 and cut.endswith("…") and "\n" not in cut
