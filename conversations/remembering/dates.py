"""When something a visitor told happened, from the words they used, relative to the day
they said it: "last week", "on Monday", "in March", "three days ago", "12 May 2019".

A bare weekday or month points forward when the sentence speaks of what is coming ("I start
the new job on Monday") and back otherwise ("we sold the house in March"). The result is a
day (the first of the month for a month, a week back for "last week"): what the twin needs
to ask "how did it go?" at the right time, not a timestamp."""

from __future__ import annotations

import re
from datetime import date, timedelta

from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta, weekday

WEEKDAYS: dict[str, weekday] = {
    "monday": MO, "tuesday": TU, "wednesday": WE, "thursday": TH,
    "friday": FR, "saturday": SA, "sunday": SU,
}  # fmt: skip
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sept", "sep"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "a couple of": 2, "couple of": 2, "three": 3,
    "a few": 3, "few": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip

_FUTURE = re.compile(
    r"\b(will|shall|going to|gonna|next|tomorrow|soon|plan(?:ning)?|hope to|due|"
    r"start|starts|starting|begin|begins|beginning|am \w+ing|is \w+ing|are \w+ing)\b|"
    r"['\u2019](?:ll|m \w+ing|re \w+ing)\b",
    re.IGNORECASE,
)
_NUMBER = "|".join(sorted((re.escape(n) for n in NUMBERS), key=len, reverse=True))
_COUNT = rf"(\d+|{_NUMBER})"
_UNIT = r"(day|week|month|year)s?"
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(WEEKDAYS)

_AGO = re.compile(rf"\b{_COUNT} {_UNIT} ago\b", re.IGNORECASE)
_IN_COUNT = re.compile(rf"\b(?:in|within) {_COUNT} {_UNIT}\b", re.IGNORECASE)
_LAST_NEXT_UNIT = re.compile(r"\b(last|next|this|past) (week|month|year|weekend)\b", re.I)
_RELATIVE_DAY = re.compile(
    r"\b(today|tonight|this morning|this afternoon|this evening|yesterday|last night|"
    r"tomorrow|the day after tomorrow|the day before yesterday)\b",
    re.IGNORECASE,
)
_WEEKDAY_PHRASE = re.compile(rf"\b(?:(last|next|this|on) )?({_WEEKDAY})s?\b", re.IGNORECASE)
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?({_MONTH})\.?(?:,? (\d{{4}}))?\b|"
    rf"\b({_MONTH})\.? (\d{{1,2}})(?:st|nd|rd|th)?(?:,? (\d{{4}}))?\b",
    re.IGNORECASE,
)
_MONTH_PHRASE = re.compile(
    rf"\b(?:(last|next|this|in|since|until|by) )?({_MONTH})(?: (\d{{4}}))?\b", re.IGNORECASE
)
_IN_YEAR = re.compile(r"\b(?:in|since|back in) ((?:19|20)\d\d)\b", re.IGNORECASE)


def _count(word: str) -> int:
    return int(word) if word.isdigit() else NUMBERS[word.casefold()]


def speaks_of_future(sentence: str) -> bool:
    return bool(_FUTURE.search(sentence))


DAY, WEEK, MONTH, YEAR = "day", "week", "month", "year"


def date_resolve(sentence: str, *, said_on: date) -> date | None:
    """The day `sentence` places what it tells, said on `said_on`; None when it says none."""
    placed = date_place(sentence, said_on=said_on)
    return placed[0] if placed else None


def date_place(sentence: str, *, said_on: date) -> tuple[date, str] | None:
    """The day `sentence` places what it tells, and how precisely the words place it ("day",
    "week", "month" or "year": "in March" is the first of March, to the month)."""
    future = speaks_of_future(sentence)
    for resolve in (_relative_day, _ago_or_in, _day_month, _last_next, _weekday, _month, _year):
        found = resolve(sentence, said_on, future)
        if found is not None:
            return found, _precision(resolve.__name__, sentence)
    return None


def _precision(resolver: str, sentence: str) -> str:
    if resolver in ("_month", "_year"):
        return MONTH if resolver == "_month" else YEAR
    match = None
    if resolver == "_ago_or_in":
        match = _AGO.search(sentence) or _IN_COUNT.search(sentence)
    elif resolver == "_last_next":
        match = _LAST_NEXT_UNIT.search(sentence)
    unit = match.group(2).casefold() if match else ""
    return {"week": WEEK, "weekend": WEEK, "month": MONTH, "year": YEAR}.get(unit, DAY)


def _relative_day(sentence: str, said_on: date, future: bool) -> date | None:
    match = _RELATIVE_DAY.search(sentence)
    if match is None:
        return None
    shift = {
        "yesterday": -1, "last night": -1, "the day before yesterday": -2,
        "tomorrow": 1, "the day after tomorrow": 2,
    }.get(match.group(1).casefold(), 0)  # fmt: skip
    return said_on + timedelta(days=shift)


def _span(unit: str, count: int) -> relativedelta:
    unit = unit.casefold()
    if unit == "day":
        return relativedelta(days=count)
    if unit == "week":
        return relativedelta(weeks=count)
    if unit == "month":
        return relativedelta(months=count)
    return relativedelta(years=count)


def _ago_or_in(sentence: str, said_on: date, future: bool) -> date | None:
    if match := _AGO.search(sentence):
        return said_on - _span(match.group(2), _count(match.group(1)))
    if match := _IN_COUNT.search(sentence):
        return said_on + _span(match.group(2), _count(match.group(1)))
    return None


def _last_next(sentence: str, said_on: date, future: bool) -> date | None:
    match = _LAST_NEXT_UNIT.search(sentence)
    if match is None:
        return None
    which, unit = match.group(1).casefold(), match.group(2).casefold()
    if unit == "weekend":
        if which == "last" or (which == "this" and not future):
            return said_on + relativedelta(days=-1, weekday=SA(-1))
        return said_on + relativedelta(days=+1, weekday=SA(+1))
    sign = {"last": -1, "past": -1, "next": 1, "this": 0}[which]
    if unit == "week":
        return said_on + timedelta(weeks=sign)
    if unit == "month":
        return (said_on + relativedelta(months=sign)).replace(day=1)
    return date(said_on.year + sign, 1, 1)


def _weekday(sentence: str, said_on: date, future: bool) -> date | None:
    match = _WEEKDAY_PHRASE.search(sentence)
    if match is None:
        return None
    which, day = (match.group(1) or "").casefold(), WEEKDAYS[match.group(2).casefold()]
    if which == "next" or (which != "last" and future):
        return said_on + relativedelta(days=+1, weekday=day(+1))
    return said_on + relativedelta(days=-1, weekday=day(-1))


def _year_for(month: int, day: int, said_on: date, future: bool, which: str = "") -> int:
    """The year of day/month: the next one when speaking of what is coming, else the last."""
    this_year = date(said_on.year, month, min(day, 28))
    if which == "next" or (which not in ("last", "this") and future):
        return (
            said_on.year
            if this_year >= said_on.replace(day=min(said_on.day, 28))
            else (said_on.year + 1)
        )
    if which == "this":
        return said_on.year
    return said_on.year if this_year <= said_on else said_on.year - 1


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day_month(sentence: str, said_on: date, future: bool) -> date | None:
    match = _DAY_MONTH.search(sentence)
    if match is None:
        return None
    if match.group(1):
        day, month_name, year = match.group(1), match.group(2), match.group(3)
    else:
        month_name, day, year = match.group(4), match.group(5), match.group(6)
    month = MONTHS[month_name.casefold().rstrip(".")]
    if year is None:
        year = _year_for(month, int(day), said_on, future)
    return _safe_date(int(year), month, int(day))


def _month(sentence: str, said_on: date, future: bool) -> date | None:
    for match in _MONTH_PHRASE.finditer(sentence):
        which, name, year = (match.group(1) or "").casefold(), match.group(2), match.group(3)
        if name.casefold() in ("may", "mar") and not which and not year:
            continue  # "we may", "mar" as a word: a month only with "in", "last"...
        month = MONTHS[name.casefold()]
        if year is None:
            year = _year_for(month, 1, said_on, future, which)
        return date(int(year), month, 1)
    return None


def _year(sentence: str, said_on: date, future: bool) -> date | None:
    match = _IN_YEAR.search(sentence)
    return date(int(match.group(1)), 1, 1) if match else None
