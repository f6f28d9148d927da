"""The subject's corrections to their portrait: strike a phrase, add a note, take either
back. Kept on the Twin (they outlive rebuilds), encrypted, audited without their words."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from core.audit import audit_record
from core.crypto import memorial_cipher
from corpus.models import Register
from twins.models import CorrectionKind, StyleCorrection, Twin
from twins.portrait.selectors import phrase_key

MAX_CORRECTION_CHARS = 500


class CorrectionInvalid(ValueError):
    """Said to the subject as it is."""


def style_correction_add(
    *, twin: Twin, register: str, kind: str, text: str, actor: User
) -> StyleCorrection:
    """Strike a phrase ("never say this") or add a note ("I never swear with the children")
    for one register. A phrase already struck there is not struck twice."""
    register, kind = Register(register), CorrectionKind(kind)
    text = " ".join(text.split())
    if not text:
        raise CorrectionInvalid("Write the phrase or the note first.")
    if len(text) > MAX_CORRECTION_CHARS:
        raise CorrectionInvalid(f"Keep it under {MAX_CORRECTION_CHARS} characters.")
    if kind == CorrectionKind.STRIKE and not phrase_key(text):
        raise CorrectionInvalid("A phrase to strike needs at least one word.")
    cipher = memorial_cipher(memorial_id=twin.memorial_id)
    with transaction.atomic():
        Twin.objects.select_for_update().filter(pk=twin.pk).first()  # one add at a time
        if kind == CorrectionKind.STRIKE:
            for existing in StyleCorrection.objects.filter(twin=twin, register=register, kind=kind):
                if phrase_key(cipher.decrypt_text(bytes(existing.text_encrypted))) == phrase_key(
                    text
                ):
                    return existing
        correction = StyleCorrection.objects.create(
            twin=twin, register=register, kind=kind, text_encrypted=cipher.encrypt_text(text)
        )
        audit_record(
            action="twins.style_corrected",
            memorial_id=twin.memorial_id,
            actor=actor,
            data={"register": register.value, "kind": kind.value, "change": "added"},
        )
    return correction


def style_correction_remove(*, correction: StyleCorrection, actor: User) -> None:
    """Take a correction back (undo): the statistics show again."""
    with transaction.atomic():
        memorial_id = correction.twin.memorial_id
        register, kind = correction.register, correction.kind
        deleted, _ = StyleCorrection.objects.filter(pk=correction.pk).delete()
        if deleted:
            audit_record(
                action="twins.style_corrected",
                memorial_id=memorial_id,
                actor=actor,
                data={"register": register, "kind": kind, "change": "removed"},
            )
