"""The fidelity report: does the twin write like the person, better than a generic reply?

What it does, per register:

1. **Hold out** the latest writing: the subject's messages (`features.messages_group`) in
   date order, the last `HELD_OUT_SHARE` of them (at least `MIN_HELD_OUT`); a register
   keeps at least `MIN_TRAINING` messages to learn from, or is not measured.
2. **A prompt per held-out message.** When someone else wrote just before it in the same
   document (a chat, an email thread), that is the prompt it answered. Otherwise (a letter,
   a journal entry) there is none in the writing, so one is derived from the message itself:
   "Write to me about A, B and C", A-C being its three most distinctive words among those
   the training writing also uses (tf-idf against the training messages; a question the
   twin could know something about). That leaks those three words to both sides alike; it
   is said on the page and in the README.
3. **Two answers.** The twin's: a callable `(question, register) -> text`; by default
   `twin_answerer`, which tells the configured provider the portrait of the *training*
   messages only (with the subject's corrections) and gives it passages retrieved from
   that register, with every held-out document filtered out, so the held-out writing is
   never seen. The baseline's: `baseline_answerer`, the same provider told only to write a
   helpful reply, without the persona or any of the person's passages. The offline
   responder has no words of its own, so its baseline retrieves from a small bank of plain,
   generic sentences shipped with the project (`twins/data/generic_sentences.txt`): a
   reply in nobody's voice, picked the same way as the twin's.
4. **Scores.** Style: the distance between the features (`features.STYLE_VECTOR`) of the
   replies and of the held-out messages, each feature divided by how much it varies between
   the person's own training messages, as a root mean square. The offline responder's
   framing lines are taken out first; message length is left out (a provider's reply length
   is its own setting). `style_gain` = baseline distance / twin distance: above 1, the twin
   is closer to the person than a generic reply. Content: the cosine similarity of each
   reply's embedding (the project's local model) with its held-out message, averaged; an
   empty reply counts 0.

Nothing here is tuned to a data set; the figures are whatever the writing gives.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from django.utils import timezone

from corpus.embeddings import embed_passages
from corpus.models import Passage
from corpus.retrieval import passage_retrieve
from corpus.writing import passages_by_id
from twins.models import LlmCall
from twins.portrait.build import register_messages
from twins.portrait.describe import place
from twins.portrait.features import (
    STYLE_FLOORS,
    Message,
    portrait_features,
    style_features,
    style_vector,
)
from twins.portrait.prompt import instructions_text
from twins.portrait.selectors import Correction
from twins.portrait.text import STOPWORDS, words_of
from twins.providers import LlmMessage, LlmProvider, PersonaPrompt, llm_provider
from twins.providers.offline import FRAMING_LINES, NOTHING_FOUND
from twins.services.llm import reply_with_fallback

HELD_OUT_SHARE = 0.12
MIN_HELD_OUT = 3
MAX_HELD_OUT = 40  # per register: each costs two provider calls
MIN_TRAINING = 5
RETRIEVED = 6  # passages the twin is given per question
MAX_FEATURE_GAP = 4.0  # scales: a habit further off than this counts as this far
SCALE_SAMPLE = 400  # training messages measured one by one for the features' spread
REPLY_TOKENS = 400
GENERIC_SENTENCES = Path(__file__).resolve().parent / "data" / "generic_sentences.txt"

Answerer = Callable[[str, str], str]  # (question, register) -> reply text

TWIN_RULES = (
    "You are writing as this person, {place}. Reply to the message below as they would: "
    "in their words, with their habits, using the passages from their own writing for what "
    "they know. Write only the reply."
)
GENERIC_PERSONA = (
    "You are a helpful, friendly person replying to a message. Reply plainly in your own "
    "words. Write only the reply."
)


@dataclass(frozen=True)
class HeldOut:
    message: Message
    prompt: str
    prompted_by: str  # "reply" (the message before it) or "derived" (its own keywords)


# --- the split and the prompts -------------------------------------------------------------


def _when(message: Message) -> datetime:
    return message.sent_at or datetime.min.replace(tzinfo=UTC)


def fidelity_split(messages: Sequence[Message]) -> tuple[list[Message], list[Message]]:
    """(training, held out): the latest share of the messages by date, or ([], []) when
    there are too few to keep both sides."""
    ordered = sorted(messages, key=_when)
    held = min(MAX_HELD_OUT, max(MIN_HELD_OUT, round(HELD_OUT_SHARE * len(ordered))))
    if len(ordered) - held < MIN_TRAINING:
        return [], []
    return ordered[:-held], ordered[-held:]


def keywords(text: str, document_frequency: Counter[str], documents: int, n: int = 3) -> list[str]:
    """The message's most distinctive words that the training writing also uses (tf-idf
    against the training messages): what it is about, among the things the twin could
    know of. Words never written before come only when there are too few of those."""
    counts = Counter(
        w.casefold() for w in words_of(text) if w.casefold() not in STOPWORDS and len(w) > 2
    )
    scored = {
        word: count * math.log((documents + 1) / (document_frequency[word] + 1))
        for word, count in counts.items()
    }
    ranked = sorted(scored, key=lambda w: (-scored[w], w))
    known = [w for w in ranked if document_frequency[w] > 0]
    return (known + [w for w in ranked if w not in known])[:n]


def derived_prompt(words: list[str]) -> str:
    if not words:
        return "Write to me with your news."
    listed = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
    return f"Write to me about {listed}."


def reply_prompts(*, memorial_id: uuid.UUID | str, messages: Sequence[Message]) -> dict[int, str]:
    """For each message (by its first passage's id) that answered someone: what they wrote
    just before it in the same document."""
    firsts = [m.passage_ids[0] for m in messages if m.passage_ids]
    rows = Passage.objects.filter(memorial_id=memorial_id, id__in=firsts).values_list(
        "id", "document_id", "position"
    )
    before: dict[int, int] = {}
    for passage_id, document_id, position in rows:
        if position == 0:
            continue
        previous = (
            Passage.objects.filter(
                memorial_id=memorial_id, document_id=document_id, position=position - 1
            )
            .filter(is_subject=False)
            .values_list("id", flat=True)
            .first()
        )
        if previous is not None:
            before[passage_id] = previous
    texts = passages_by_id(memorial_id=memorial_id, passage_ids=before.values())
    return {first: texts[p].text for first, p in before.items() if p in texts}


def held_out_prompts(
    *, memorial_id: uuid.UUID | str, held_out: Sequence[Message], training: Sequence[Message]
) -> list[HeldOut]:
    frequency: Counter[str] = Counter()
    for message in training:
        frequency.update({w.casefold() for w in words_of(message.text)})
    replies = reply_prompts(memorial_id=memorial_id, messages=held_out)
    items = []
    for message in held_out:
        answered = replies.get(message.passage_ids[0]) if message.passage_ids else None
        if answered:
            items.append(HeldOut(message, answered, "reply"))
        else:
            found = keywords(message.text, frequency, len(training))
            items.append(HeldOut(message, derived_prompt(found), "derived"))
    return items


# --- the two answerers ----------------------------------------------------------------------


def _reply_text(
    *, memorial_id: uuid.UUID | str, system: PersonaPrompt, question: str, provider: LlmProvider
) -> str:
    reply = reply_with_fallback(
        memorial_id=memorial_id,
        system=system,
        messages=[LlmMessage(role="user", content=question)],
        max_tokens=REPLY_TOKENS,
        provider=provider,
        purpose=LlmCall.Purpose.FIDELITY,
    )
    return "".join(reply)


def twin_answerer(
    *,
    memorial_id: uuid.UUID | str,
    features: dict[str, dict[str, Any]],
    corrections: list[Correction],
    hidden_documents: set[Any],
    provider: LlmProvider | None = None,
) -> Answerer:
    """The twin as this report measures it: the portrait of `features` (the training
    writing) with the corrections, and passages of the register retrieved for the question,
    none from `hidden_documents`."""
    chosen = provider or llm_provider()

    def answer(question: str, register: str) -> str:
        found = passage_retrieve(
            memorial_id=memorial_id,
            query=question,
            limit=RETRIEVED * 5,  # room for the hidden ones, filtered out below
            registers=[register],
            subject_only=True,
        )
        passages = tuple(p.text for p in found if p.document_id not in hidden_documents)
        persona = "\n\n".join(
            [
                instructions_text(features=features, corrections=corrections, register=register),
                TWIN_RULES.format(place=place(register)),
            ]
        )
        system = PersonaPrompt(persona=persona, passages=passages[:RETRIEVED])
        return _reply_text(
            memorial_id=memorial_id, system=system, question=question, provider=chosen
        )

    return answer


@cache
def generic_sentences() -> tuple[str, ...]:
    lines = GENERIC_SENTENCES.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def baseline_answerer(
    *, memorial_id: uuid.UUID | str, provider: LlmProvider | None = None
) -> Answerer:
    """A generic reply: the same provider without the persona or the person's passages.
    The offline responder, which can only pick sentences, picks them from the generic bank."""
    chosen = provider or llm_provider()

    def answer(question: str, register: str) -> str:
        passages = generic_sentences() if chosen.name == "offline" else ()
        system = PersonaPrompt(persona=GENERIC_PERSONA, passages=passages)
        return _reply_text(
            memorial_id=memorial_id, system=system, question=question, provider=chosen
        )

    return answer


# --- scoring ---------------------------------------------------------------------------------


def reply_body(text: str) -> str:
    """A reply without the offline responder's framing lines (they are nobody's style)."""
    return "\n".join(
        line for line in text.splitlines() if line.strip() not in FRAMING_LINES
    ).strip()


def feature_scales(training: Sequence[str]) -> np.ndarray:
    """How much each style feature varies between the person's own messages (its standard
    deviation over up to SCALE_SAMPLE of them, evenly spread), never below the feature's
    smallest noticeable difference (`features.STYLE_FLOORS`)."""
    step = max(1, len(training) // SCALE_SAMPLE)
    vectors = np.array([style_vector(style_features([t])) for t in training[::step]])
    spread = vectors.std(axis=0) if len(vectors) > 1 else np.ones(vectors.shape[1])
    return np.maximum(spread, np.array(STYLE_FLOORS))


def style_distance(replies: Sequence[str], reference: Sequence[str], scales: np.ndarray) -> float:
    """Root mean square of the features' differences in units of their scale, each capped
    at MAX_FEATURE_GAP so that one habit cannot outweigh all the others."""
    a = np.array(style_vector(style_features(replies)))
    b = np.array(style_vector(style_features(reference)))
    gaps = np.minimum(np.abs(a - b) / scales, MAX_FEATURE_GAP)
    return float(np.sqrt(np.mean(gaps**2)))


def content_similarity(replies: Sequence[str], reference: Sequence[str]) -> float:
    """Mean cosine of each reply with its reference message; an empty reply counts 0."""
    pairs = [(r, t) for r, t in zip(replies, reference, strict=True) if r.strip()]
    if not pairs:
        return 0.0
    a = embed_passages([r for r, _ in pairs])
    b = embed_passages([t for _, t in pairs])
    cosines = (a * b).sum(axis=1)
    return float(cosines.sum() / len(replies))


# --- the report -----------------------------------------------------------------------------


def fidelity_measure(
    *,
    memorial_id: uuid.UUID | str,
    corrections: list[Correction] | None = None,
    twin: Answerer | None = None,
    baseline: Answerer | None = None,
    provider: LlmProvider | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Measure every register with enough writing; returns the report (JSON-ready, with
    no text of the subject's in it)."""
    chosen = provider or llm_provider()
    by_register = register_messages(memorial_id=memorial_id)
    splits = {r: fidelity_split(ms) for r, ms in by_register.items()}
    splits = {r: s for r, s in splits.items() if s[1]}
    training_by_register = {r: [m.text for m in s[0]] for r, s in splits.items()}
    hidden = {m.document_id for _, held in splits.values() for m in held}
    twin = twin or twin_answerer(
        memorial_id=memorial_id,
        features=portrait_features(training_by_register),
        corrections=corrections or [],
        hidden_documents=hidden,
        provider=chosen,
    )
    baseline = baseline or baseline_answerer(memorial_id=memorial_id, provider=chosen)
    all_training = [t for texts in training_by_register.values() for t in texts]
    scales = feature_scales(all_training) if all_training else None
    total = sum(len(held) for _, held in splits.values())
    done = 0
    rows = []
    for register, (training, held) in splits.items():
        items = held_out_prompts(memorial_id=memorial_id, held_out=held, training=training)
        twin_replies, baseline_replies = [], []
        for item in items:
            twin_replies.append(reply_body(twin(item.prompt, register)))
            baseline_replies.append(reply_body(baseline(item.prompt, register)))
            done += 1
            if on_progress is not None:
                on_progress(done, total)
        reference = [item.message.text for item in items]
        rows.append(_register_row(register, training, items, twin_replies, baseline_replies,
                                  reference, scales))  # fmt: skip
    return {
        "measured_at": timezone.now().isoformat(),
        "twin_label": chosen.label,
        "baseline_label": (
            "Generic sentences (no persona, none of your writing)"
            if chosen.name == "offline"
            else f"{chosen.label}, with no persona and none of your writing"
        ),
        "registers": rows,
        "style_gain": _overall_gain(rows),
    }


def _answered(replies: list[str]) -> list[str]:
    return [r for r in replies if r.strip() and r.strip() != NOTHING_FOUND]


def _register_row(register, training, items, twin_replies, baseline_replies, reference, scales):  # type: ignore[no-untyped-def]
    twin_said, baseline_said = _answered(twin_replies), _answered(baseline_replies)
    twin_distance = style_distance(twin_said, reference, scales) if twin_said else None
    baseline_distance = style_distance(baseline_said, reference, scales) if baseline_said else None
    gain = (
        baseline_distance / twin_distance
        if twin_distance and baseline_distance is not None
        else None
    )
    return {
        "register": register,
        "training_messages": len(training),
        "held_out": len(items),
        "held_out_words": sum(len(words_of(t)) for t in reference),
        "prompts_from_replies": sum(i.prompted_by == "reply" for i in items),
        "prompts_derived": sum(i.prompted_by == "derived" for i in items),
        "twin_answered": len(twin_said),
        "baseline_answered": len(baseline_said),
        "twin_distance": twin_distance,
        "baseline_distance": baseline_distance,
        "style_gain": gain,
        "twin_content": content_similarity(
            [r if r in twin_said else "" for r in twin_replies], reference
        ),
        "baseline_content": content_similarity(
            [r if r in baseline_said else "" for r in baseline_replies], reference
        ),
    }


def _overall_gain(rows: list[dict[str, Any]]) -> float | None:
    """Baseline distance over twin distance, each averaged over the registers weighted by
    their held-out messages."""
    usable = [r for r in rows if r["twin_distance"] and r["baseline_distance"] is not None]
    if not usable:
        return None
    weights = [r["held_out"] for r in usable]
    twin = sum(w * r["twin_distance"] for w, r in zip(weights, usable, strict=True))
    baseline = sum(w * r["baseline_distance"] for w, r in zip(weights, usable, strict=True))
    return baseline / twin if twin else None
