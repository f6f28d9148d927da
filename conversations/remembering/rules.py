"""Memories read out of a visitor's message by rules, with no language model.

A sentence becomes a memory when the visitor says it of themselves (first person: "I", "my",
"we", "our") and it is about their life: family, work or study, home, health, or plans and
events. Questions are not memories, nor is what they say of the person they are talking
with ("do you remember...", "I miss you"). The sentence is kept in their own words, and
dated from the words that place it (`dates`)."""

from __future__ import annotations

import re
from datetime import date

from conversations.remembering.dates import date_place
from conversations.remembering.drafts import MemoryDraft, memory_text_clean

_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+|(?<=[.!?])(?=[A-Z])")
# "Mum had her operation": a visitor names their own parents without "my".
_FIRST_PERSON = re.compile(
    r"\b(I|I['\u2019](?:m|ve|ll|d))\b|"
    r"(?i:\b(my|we|we['\u2019](?:re|ve|ll|d)|our|me|us|mum|mom|mummy|dad|daddy)\b)"
)
_ADDRESSING_THE_TWIN = re.compile(r"\b(you|your|yours|you['\u2019](?:re|ve|d|ll))\b", re.IGNORECASE)
_MIN_WORDS = 3

LIFE_TOPICS = {
    "family": r"son|sons|daughter|daughters|wife|husband|partner|mum|mom|mother|dad|father|"
    r"parents|brother|sister|grandson|granddaughter|grandchild|grandchildren|grandkids|baby|"
    r"kids|children|child|nephew|niece|aunt|uncle|cousin|boyfriend|girlfriend|fianc[eé]e?|"
    r"family|dog|cat|puppy|twins",
    "work": r"job|work|working|boss|office|retire|retired|retiring|retirement|promotion|"
    r"promoted|interview|colleague|colleagues|shift|career|business|fired|laid off|"
    r"school|university|college|exam|exams|degree|class|teacher|course|studying",
    "home": r"house|home|flat|apartment|move|moved|moving|garden|sold|bought|buying|selling|"
    r"rent|mortgage|neighbour|neighbours|neighbor|kitchen|renovating",
    "health": r"sick|ill|illness|hospital|doctor|surgery|operation|cancer|diagnosed|"
    r"diagnosis|pregnant|pregnancy|injured|injury|broke|recovering|recovered|covid|flu|"
    r"pain|therapy|treatment|chemo|scan|appointment|heart|knee|hip|health|better|worse",
    "plans and events": r"start|starting|started|plan|planning|trip|holiday|vacation|"
    r"wedding|married|marry|engaged|birthday|anniversary|graduate|graduated|graduation|"
    r"visit|visiting|travel|travelling|traveling|funeral|born|died|passed away|christening|"
    r"party|new",
}
_LIFE = re.compile(r"\b(" + "|".join(LIFE_TOPICS.values()) + r")\b", re.IGNORECASE)
# Feelings about the person or the conversation itself, not news of the visitor's life.
_NOT_NEWS = re.compile(
    r"^(i|we) (miss|love|loved|remember|wish|think|thought|hope|wonder|hoped)\b|"
    r"\b(talk(?:ing)? to|this (?:app|twin|conversation))\b",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    return [piece.strip() for piece in _SENTENCE.split(text) if piece and piece.strip()]


def statement_is_memory(sentence: str) -> bool:
    """Does the visitor tell something of their own life in `sentence`?"""
    bare = sentence.strip()
    if bare.endswith("?") or len(bare.split()) < _MIN_WORDS:
        return False
    if not _FIRST_PERSON.search(bare) or not _LIFE.search(bare):
        return False
    return not (_ADDRESSING_THE_TWIN.search(bare) or _NOT_NEWS.search(bare))


def rules_extract(text: str, *, said_on: date) -> list[MemoryDraft]:
    """The memories in a visitor's message sent on `said_on`, in its order."""
    drafts: list[MemoryDraft] = []
    for sentence in sentences(text):
        if not statement_is_memory(sentence):
            continue
        cleaned = memory_text_clean(sentence)
        if cleaned:
            placed = date_place(sentence, said_on=said_on)
            about, precision = placed if placed else (None, "day")
            drafts.append(MemoryDraft(cleaned, about, precision))
    return drafts
