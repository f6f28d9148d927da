"""Reading the style portrait: a version's features, decrypted, with the subject's
corrections applied (a struck phrase is gone from everything shown or told)."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from core.crypto import memorial_cipher
from corpus.models import Register
from twins.models import CorrectionKind, StyleCorrection, StylePortrait, Twin, TwinVersion
from twins.portrait.text import words_of

REGISTER_ORDER = [Register.FAMILY, Register.FRIENDS, Register.PROFESSIONAL, Register.PUBLIC]


@dataclass(frozen=True)
class Correction:
    id: int
    register: str
    kind: str
    text: str


@dataclass
class RegisterPortrait:
    register: str
    label: str
    features: dict[str, Any]
    messages: int
    words: int
    struck: list[Correction] = field(default_factory=list)
    notes: list[Correction] = field(default_factory=list)


def phrase_key(text: str) -> str:
    """A phrase compared without case, punctuation or spacing."""
    return " ".join(words_of(text.casefold().replace("\u2019", "'")))


def _contains(item: str, struck: str) -> bool:
    return bool(struck) and re.search(rf"(?:^| ){re.escape(struck)}(?: |$)", item) is not None


def style_corrections(*, twin: Twin) -> list[Correction]:
    cipher = memorial_cipher(memorial_id=twin.memorial_id)
    return [
        Correction(
            id=row.id,
            register=row.register,
            kind=row.kind,
            text=cipher.decrypt_text(bytes(row.text_encrypted)),
        )
        for row in StyleCorrection.objects.filter(twin=twin).order_by("created_at", "id")
    ]


def features_corrected(features: dict[str, Any], struck: list[str]) -> dict[str, Any]:
    """`features` without any phrase, word, opening, sign-off or hedge that holds a struck
    phrase (as whole words, whatever the case)."""
    keys = [phrase_key(s) for s in struck if phrase_key(s)]
    if not keys:
        return features
    corrected = json.loads(json.dumps(features))

    def keep(items: list[list[Any]]) -> list[list[Any]]:
        return [i for i in items if not any(_contains(phrase_key(str(i[0])), k) for k in keys)]

    for name in ("favourite_words", "favourite_phrases", "openings", "signoffs"):
        corrected[name] = keep(corrected.get(name, []))
    corrected["hedging"]["top"] = keep(corrected["hedging"]["top"])
    corrected["emoji"]["top"] = [e for e in corrected["emoji"]["top"] if e[0] not in struck]
    return corrected


def version_portraits(
    *, version: TwinVersion, corrections: list[Correction] | None = None
) -> list[RegisterPortrait]:
    """The version's portraits, one per register with writing, in a fixed order, each
    with the subject's corrections for that register applied."""
    twin = version.twin
    cipher = memorial_cipher(memorial_id=twin.memorial_id)
    if corrections is None:
        corrections = style_corrections(twin=twin)
    rows = {row.register: row for row in StylePortrait.objects.filter(version=version)}
    portraits = []
    for register in REGISTER_ORDER:
        row = rows.get(register)
        if row is None:
            continue
        mine = [c for c in corrections if c.register == register]
        struck = [c for c in mine if c.kind == CorrectionKind.STRIKE]
        features = json.loads(cipher.decrypt_text(bytes(row.features_encrypted)))
        portraits.append(
            RegisterPortrait(
                register=register,
                label=Register(register).label,
                features=features_corrected(features, [c.text for c in struck]),
                messages=row.messages_count,
                words=row.words_count,
                struck=struck,
                notes=[c for c in mine if c.kind == CorrectionKind.NOTE],
            )
        )
    return portraits


def correction_get(*, memorial_id: uuid.UUID, correction_id: int) -> StyleCorrection | None:
    return (
        StyleCorrection.objects.select_related("twin")
        .filter(pk=correction_id, twin__memorial_id=memorial_id)
        .first()
    )
