"""Text as the portrait reads it: words, sentences (hard-wrapped prose unwrapped first),
and the commonest English words, which are never anyone's favourites."""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")  # letters, inner apostrophes
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+|\s*\n\s*")


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The commonest English function words: never a "favourite" word on their own.
STOPWORDS = word_set(
    """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have
    haven't having he he'd he'll he's her here here's hers herself him himself his how how's i
    i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my
    myself no nor not of off on once only or other ought our ours ourselves out over own same
    shan't she she'd she'll she's should shouldn't so some such than that that's the their
    theirs them themselves then there there's these they they'd they'll they're they've this
    those through to too under until up very was wasn't we we'd we'll we're we've were weren't
    what what's when when's where where's which while who who's whom why why's will with won't
    would wouldn't you you'd you'll you're you've your yours yourself yourselves shall may
    must upon us one two well just now get got like know think make made say said see go
    going come came will much many every any thing things time way yet still even ever also
    though although whether dear mr mrs ms
    """
)


def words_of(text: str) -> list[str]:
    return _WORD.findall(text)


WRAPPED_LINE = 50  # characters: a line this long that runs on was wrapped, not ended


def unwrap(text: str) -> str:
    """Hard-wrapped prose (an email or a letter broken at ~72 characters) as running
    lines: a long line that runs on into the next (not ending a sentence) is joined to it.
    Short lines (a chat message, a greeting, a line of verse) and blank lines stay breaks."""
    lines = text.split("\n")
    joined: list[str] = []
    for line in lines:
        before = joined[-1] if joined else ""
        ended = re.search(r"[.!?][\"'\u201d\u2019)\]]*$", before.rstrip())
        if line.strip() and len(before.rstrip()) >= WRAPPED_LINE and not ended:
            joined[-1] = f"{before.rstrip()} {line.strip()}"
        else:
            joined.append(line)
    return "\n".join(joined)


def sentences_of(text: str) -> list[str]:
    """Sentences end at . ! or ? before a space, and at line ends (after `unwrap`)."""
    return [s.strip() for s in _SENTENCE_END.split(unwrap(text)) if s and words_of(s)]
