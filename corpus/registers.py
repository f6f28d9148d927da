"""Whose words, and in which register: small, explainable rules the subject can correct.

Authorship: a message is the subject's when its author matches one of their listed names,
addresses or handles; a document with no author at all (a journal, their own tweets, a file
of prose) is theirs. Register, first rule that fits wins, and its reason is kept:
public posts -> public; someone the subject placed in a register -> that register;
family words -> family; a work address or work words in an email -> professional;
otherwise friends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from core.crypto import MemorialCipher
from corpus.models import Register

PUBLIC_KINDS = frozenset({"post"})
PUBLIC_SOURCES = frozenset({"twitter"})
FREEMAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "hotmail.com",
        "hotmail.co.uk",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "yandex.ru",
        "mail.ru",
        "orange.fr",
        "free.fr",
        "btinternet.com",
        "comcast.net",
        "verizon.net",
        "att.net",
        "example.com",
        "example.org",
        "example.net",
    ]
)
FAMILY_WORDS = re.compile(
    r"\b(mum|mom|mummy|mommy|mother|dad|daddy|father|grandma|granny|grandpa|grandad|nana|"
    r"auntie|aunt|uncle|sis|bro|son|daughter|sweetheart|darling|love you|xoxo|family)\b",
    re.IGNORECASE,
)
WORK_WORDS = re.compile(
    r"\b(meeting|agenda|deadline|invoice|client|contract|proposal|quarterly|budget|"
    r"project|deliverable|regards|sincerely|colleague|office|schedule a call|per our)\b",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")


# The keyed hashes of people's names are derived for this purpose (`MemorialCipher.keyed_hash`).
NAMES_PURPOSE = "names"


def identity_normalise(value: str) -> str:
    """How names, addresses and handles are compared: case, spaces and a leading @ ignored."""
    return _SPACE.sub(" ", value.strip().lower()).removeprefix("@")


def identity_hash(*, cipher: MemorialCipher, value: str) -> str:
    """The keyed hash a name, address or handle is stored and matched by: equal when
    `identity_normalise` makes two values equal; "" for no value at all."""
    normalised = identity_normalise(value)
    return cipher.keyed_hash(purpose=NAMES_PURPOSE, value=normalised) if normalised else ""


@dataclass(frozen=True)
class RegisterGuess:
    register: str
    reason: str


def is_subject_speaker(*, author: str, author_id: str, identities: frozenset[str]) -> bool:
    if not author.strip() and not author_id.strip():
        return True  # journals, own posts and prose files carry no author: they are the subject's
    return bool({identity_normalise(author), identity_normalise(author_id)} & identities - {""})


def register_infer(
    *,
    kind: str,
    source: str,
    people: Iterable[str],
    text: str,
    correspondents: dict[str, str],
) -> RegisterGuess:
    """`people`: the document's author and audience (names, addresses, handles);
    `correspondents`: normalised value -> register, as the subject placed them."""
    if kind in PUBLIC_KINDS or source in PUBLIC_SOURCES:
        return RegisterGuess(Register.PUBLIC, "a public post")
    people = [person for person in people if person]
    for register in (Register.FAMILY, Register.PROFESSIONAL, Register.FRIENDS):
        for person in people:
            if correspondents.get(identity_normalise(person)) == register:
                return RegisterGuess(register, f"you placed {person} in {register.label.lower()}")
    sample = text[:20_000]
    if match := FAMILY_WORDS.search(sample):
        return RegisterGuess(Register.FAMILY, f"family words (“{match.group(0).lower()}”)")
    if kind == "email":
        for person in people:
            domain = person.rpartition("@")[2].lower() if "@" in person else ""
            if domain and domain not in FREEMAIL_DOMAINS:
                return RegisterGuess(Register.PROFESSIONAL, f"a work address ({domain})")
        if match := WORK_WORDS.search(sample):
            return RegisterGuess(Register.PROFESSIONAL, f"work words (“{match.group(0).lower()}”)")
    return RegisterGuess(Register.FRIENDS, "no sign of work or family")
