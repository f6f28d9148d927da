"""Crisis lines by country: a maintained table (`data/helplines.json`, with the date it was
last checked), or another one named by the setting `LEGACY_HELPLINES_PATH`.

A visitor's country is theirs to say (`User.country`); until they do, the region of their
browser's language (saved when the conversation page loads, `country_guess_save`), else the
setting `LEGACY_DEFAULT_COUNTRY` ("" : no country, then an international list and the
emergency numbers 112 and 911)."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from accounts.models import User

logger = logging.getLogger(__name__)

DEFAULT_TABLE = Path(__file__).parent / "data" / "helplines.json"
GUESS_SECONDS = 60 * 60 * 24 * 90  # a browser's language region, remembered for 90 days
_REGION = re.compile(r"^[a-z]{2,3}-([a-z]{2})$")


@dataclass(frozen=True)
class Helpline:
    name: str
    phone: str = ""
    text: str = ""  # what to text, and to which number ("85258 (text SHOUT)")
    url: str = ""
    hours: str = ""

    @property
    def tel(self) -> str:
        """The phone number for a tel: link (digits and a leading +)."""
        return re.sub(r"[^\d+]", "", self.phone)

    @property
    def sms_word(self) -> str:
        """The word to text, when the line asks for one ("85258 (text SHOUT)" -> "SHOUT")."""
        match = re.search(r"\(text (\w+)\)", self.text)
        return match.group(1) if match else ""

    @property
    def sms(self) -> str:
        """The number to text, for an sms: link ("" when texting is not offered)."""
        match = re.match(r"[\d +]+", self.text)
        return re.sub(r"[^\d+]", "", match.group(0)) if match else ""


@dataclass(frozen=True)
class CountryHelp:
    """What to show a visitor in crisis: lines for their country (`code` "" : none known,
    then the international list), and the emergency numbers."""

    code: str
    name: str
    lines: tuple[Helpline, ...]
    emergency: tuple[str, ...]
    checked: str
    international: tuple[Helpline, ...] = ()


@lru_cache(maxsize=4)
def _table(path: str) -> dict:  # type: ignore[type-arg]
    return json.loads(Path(path).read_text(encoding="utf-8"))


def helplines_table() -> dict:  # type: ignore[type-arg]
    """The configured table; the project's own when that one cannot be read (a visitor in
    crisis still gets lines, and the fault is logged)."""
    configured = str(settings.HELPLINES_PATH or DEFAULT_TABLE)
    try:
        return _table(configured)
    except (OSError, ValueError):
        logger.exception("the helplines table %s could not be read; using the default", configured)
        return _table(str(DEFAULT_TABLE))


def country_choices() -> list[tuple[str, str]]:
    """(code, name) of every country the table knows, by name."""
    countries = helplines_table()["countries"]
    named = [(code, entry["name"]) for code, entry in countries.items()]
    return sorted(named, key=lambda pair: pair[1].removeprefix("the "))


def country_known(code: str) -> bool:
    return code.upper() in helplines_table()["countries"]


def helplines_for(*, country: str) -> CountryHelp:
    table = helplines_table()
    international = tuple(Helpline(**line) for line in table.get("international", []))
    entry = table["countries"].get(country.upper())
    if entry is None:
        fallback = table.get("fallback_emergency", "112")
        return CountryHelp(
            code="",
            name="",
            lines=(),
            emergency=tuple(dict.fromkeys([fallback, "911"])),
            checked=table.get("checked", ""),
            international=international,
        )
    return CountryHelp(
        code=country.upper(),
        name=entry["name"],
        lines=tuple(Helpline(**line) for line in entry["lines"]),
        emergency=(entry.get("emergency") or table.get("fallback_emergency", "112"),),
        checked=table.get("checked", ""),
        international=international,
    )


def _guess_key(user_id: object) -> str:
    return f"guardrails:country-guess:{user_id}"


def country_from_accept_language(header: str) -> str:
    """The first region in an Accept-Language header that the table knows ("en-GB" -> "GB";
    "en" alone says nothing of where someone is)."""
    for part in header.split(","):
        match = _REGION.match(part.split(";")[0].strip().lower())
        if match:
            code = match.group(1).upper()
            code = "GB" if code == "UK" else code
            if country_known(code):
                return code
    return ""


def country_guess_save(*, user: User, accept_language: str) -> None:
    """Remember where the visitor's browser suggests they are, for a reply written later by a
    worker (nothing is saved when they said their country, or the header names no region)."""
    if user.country:
        return
    guess = country_from_accept_language(accept_language)
    if guess:
        cache.set(_guess_key(user.pk), guess, GUESS_SECONDS)


def visitor_country(*, user: User) -> str:
    """The visitor's country for crisis resources: theirs, else the browser's guess, else the
    site's default ("" : not known)."""
    if user.country:
        return user.country.upper()
    guess = cache.get(_guess_key(user.pk))
    if isinstance(guess, str) and guess:
        return guess
    return str(settings.DEFAULT_COUNTRY or "").upper()


class CountryRefused(ValueError):
    pass


def country_choose(*, user: User, country: str) -> None:
    """The visitor says which country they are in ("" : they would rather not say)."""
    code = country.strip().upper()
    if code and not country_known(code):
        raise CountryRefused("We don't have crisis lines for that country yet.")
    user.country = code
    user.save(update_fields=["country"])
