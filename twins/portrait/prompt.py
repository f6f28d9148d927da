"""The portrait as the twin is told it: how to write, per register.

The subject's corrections come first and win: their notes are rules, their struck phrases
are never to be used (and are gone from the statistics that follow)."""

from __future__ import annotations

from typing import Any

from twins.models import TwinVersion
from twins.portrait.describe import NOTABLE, PUNCTUATION_NAMES, place
from twins.portrait.selectors import (
    Correction,
    features_corrected,
    style_corrections,
    version_portraits,
)


def portrait_instructions(*, version: TwinVersion, register: str | None = None) -> str:
    """Plain instructions on how the person writes (in `register`, or in each), with the
    subject's corrections first: a struck phrase is never used, a note is obeyed."""
    corrections = style_corrections(twin=version.twin)
    portraits = version_portraits(version=version, corrections=corrections)
    features = {p.register: p.features for p in portraits}
    return instructions_text(features=features, corrections=corrections, register=register)


def instructions_text(
    *,
    features: dict[str, dict[str, Any]],
    corrections: list[Correction],
    register: str | None = None,
) -> str:
    """The instructions from features by register (uncorrected or corrected: struck
    phrases are taken out here again) and the subject's corrections."""
    if register is not None:
        corrections = [c for c in corrections if c.register == register]
        features = {r: f for r, f in features.items() if r == register}
    notes = [c for c in corrections if c.kind == "note"]
    struck = [c for c in corrections if c.kind == "strike"]
    lines: list[str] = []
    if notes or struck:
        lines.append("The person's own corrections. These come first and override anything below:")
        for note in notes:
            lines.append(f"- {place(note.register).capitalize()}: {note.text}")
        for phrase in struck:
            lines.append(f'- Never write "{phrase.text}" ({place(phrase.register)}).')
        lines.append("")
    if features:
        lines.append("How the person writes, measured from their own words:")
    for name, found in features.items():
        mine = [c.text for c in struck if c.register == name]
        lines.extend(_register_lines(name, features_corrected(found, mine)))
    return "\n".join(lines).strip()


def _quoted(items: list[list[Any]], n: int) -> str:
    return ", ".join(f'"{item[0]}"' for item in items[:n])


def _register_lines(register: str, f: dict[str, Any]) -> list[str]:
    basis = f["based_on"]
    lines = [
        f"{place(register).capitalize()} (from {basis['messages']} messages, "
        f"{basis['words']} words):",
        f"- Messages are typically {round(f['message_length']['median_words'])} words; "
        f"sentences average {f['sentence_length']['mean']:.0f} words.",
        f"- Formality {f['formality']['score']:.0f}/100 (0 is chatty, 100 is a legal notice); "
        f"contractions {f['formality']['parts']['contractions']:.1f} per 100 words.",
        f"- Hedges {f['hedging']['per_100_words']:.1f} times per 100 words"
        + (f" ({_quoted(f['hedging']['top'], 3)})." if f["hedging"]["top"] else "."),
    ]
    habits = [
        f"{PUNCTUATION_NAMES[name]} {f['punctuation'][name]:.1f}"
        for name in NOTABLE
        if f["punctuation"][name] > 0
    ]
    if habits:
        lines.append(f"- Punctuation per 100 words: {', '.join(habits)}.")
    capitals = f["capitalisation"]
    if capitals["lowercase_messages_share"] >= 0.3:
        lines.append("- Often writes all in lower case.")
    if f["emoji"]["top"]:
        lines.append(f"- Emoji they use: {' '.join(e for e, _ in f['emoji']['top'])}.")
    else:
        lines.append("- Uses no emoji.")
    if f["openings"]:
        lines.append(f"- Openings they use: {_quoted(f['openings'], 3)}.")
    if f["signoffs"]:
        lines.append(f"- Sign-offs they use: {_quoted(f['signoffs'], 3)}.")
    if f["favourite_phrases"]:
        lines.append(f"- Phrases they like: {_quoted(f['favourite_phrases'], 6)}.")
    if f["favourite_words"]:
        lines.append(f"- Words they like: {_quoted(f['favourite_words'], 8)}.")
    return lines
