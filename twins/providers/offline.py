"""The offline responder: answers only in the subject's own retrieved sentences, and says so.

No model, no network. It picks whole sentences, verbatim, from the passages retrieved for the
question (those sharing the most words with it) and frames them plainly. A sentence someone
else wrote to the person is quoted with its writer's name (`Sam wrote to them: "..."`). It
never writes a sentence of its own beyond the fixed framing lines below.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from twins.providers.base import LlmMessage, LlmStream, PersonaPrompt

OPENING = "In their own words:"
OPENING_MIXED = "From what they wrote, and what was written to them:"
NOTHING_FOUND = "I don't find anything about that in what they wrote."
NOT_REMEMBERED = "I don't remember that: I find nothing about it in what they wrote."
DECLINED = "That is something they asked me not to talk about. Could we talk about something else?"
CLOSING = (
    "(These are sentences they wrote, picked out by matching words: the AI in its offline "
    "mode writes nothing of its own.)"
)
FRAMING_LINES = frozenset(
    {OPENING, OPENING_MIXED, NOTHING_FOUND, NOT_REMEMBERED, DECLINED, CLOSING}
)
MAX_SENTENCES = 3

# A sentence ends at . ! or ? (and any closing quotes or brackets) followed by whitespace,
# or at a line break. Splitting only at whitespace keeps every piece a verbatim substring.
_CLOSERS = "\"')]\u201d\u2019"  # straight and curly closing quotes, brackets
_SENTENCE_BREAK = re.compile(rf"(?<=[.!?])\s+|(?<=[.!?][{re.escape(_CLOSERS)}])\s+|\s*[\r\n]\s*")
_WORD = re.compile(r"\w+")
_STOPWORD_LIST = """
a an and are as at be but by did do does for from had has have he her him his how i in is it its
me my of on or our she so that the their them they this to was we were what when where which who
why will with you your
"""
_STOPWORDS = frozenset(_STOPWORD_LIST.split())


def sentences_split(text: str) -> list[str]:
    """The sentences of `text`, stripped, each a verbatim substring of it."""
    return [piece.strip() for piece in _SENTENCE_BREAK.split(text) if piece and piece.strip()]


def content_words(text: str) -> set[str]:
    return {word for word in _WORD.findall(text.casefold()) if word not in _STOPWORDS}


@dataclass(frozen=True)
class OfflineAnswer:
    sentences: tuple[str, ...]  # verbatim from the passages; empty when nothing matched
    text: str  # the sentences with the framing lines, one per line


def attribution(speaker: str, sentence: str) -> str:
    """How a sentence someone else wrote to the person is quoted."""
    return f'{speaker} wrote to them: "{sentence}"'


def offline_answer(
    *,
    question: str,
    passages: list[str] | tuple[str, ...],
    speakers: list[str] | tuple[str, ...] = (),
) -> OfflineAnswer:
    """The passages' sentences sharing the most words with the question (at most three, each
    once, best first, ties in passage order), framed; or the plain "nothing found" line.
    `speakers[i]` names who wrote passage i to the person ("" or absent: the person); their
    sentences are quoted only when none of the person's own matches."""
    asked = content_words(question)
    scored: list[tuple[int, int, str, str]] = []
    seen: set[str] = set()
    for index, passage in enumerate(passages):
        speaker = speakers[index] if index < len(speakers) else ""
        for sentence in sentences_split(passage):
            if sentence in seen:
                continue
            seen.add(sentence)
            shared = len(asked & content_words(sentence))
            if shared:
                scored.append((-shared, len(scored), sentence, speaker))
    if any(not speaker for *_, speaker in scored):  # their own words first: others' only
        scored = [row for row in scored if not row[3]]  # when none of theirs matches
    best = sorted(scored)[:MAX_SENTENCES]
    chosen = tuple(sentence for _, _, sentence, _ in best)
    if not chosen:
        return OfflineAnswer(sentences=(), text=f"{NOTHING_FOUND}\n{CLOSING}")
    lines = [attribution(who, sentence) if who else sentence for *_, sentence, who in best]
    opening = OPENING_MIXED if any(speaker for *_, speaker in best) else OPENING
    return OfflineAnswer(sentences=chosen, text="\n".join([opening, *lines, CLOSING]))


class OfflineLlmProvider:
    name = "offline"
    label = "Offline: sentences they wrote, picked by matching words (no language model)"
    model = "extractive"

    def reply_stream(
        self, *, system: PersonaPrompt | str, messages: list[LlmMessage], max_tokens: int
    ) -> LlmStream:
        question = next((m.content for m in reversed(messages) if m.role == "user"), "")
        attributed = system.attributed() if isinstance(system, PersonaPrompt) else []
        text = offline_answer(
            question=question,
            passages=[passage for passage, _ in attributed],
            speakers=[speaker for _, speaker in attributed],
        ).text
        if isinstance(system, PersonaPrompt) and (system.decline or system.abstain):
            # The project decided there is no answer here: say so, do not pick sentences.
            text = f"{DECLINED if system.decline else NOT_REMEMBERED}\n{CLOSING}"
        return LlmStream(
            provider=self.name, model=self.model, label=self.label, chunks=_lines(text)
        )


def _lines(text: str) -> Iterator[str]:
    lines = text.split("\n")
    for n, line in enumerate(lines):
        yield line + ("\n" if n < len(lines) - 1 else "")
