"""The portrait step of a twin build: each register's style, from the subject's own words."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

from core.crypto import memorial_cipher
from corpus.models import Register
from corpus.writing import subject_passages
from twins.models import StylePortrait, TwinVersion
from twins.portrait.features import Message, messages_group, portrait_features
from twins.steps import StepProgress


def register_messages(
    *, memorial_id: uuid.UUID | str, on_register: Callable[[], None] | None = None
) -> dict[str, list[Message]]:
    """The subject's messages (`features.messages_group`), by register, oldest first;
    registers without any writing are left out."""
    by_register: dict[str, list[Message]] = {}
    for register in Register.values:
        messages = messages_group(subject_passages(memorial_id=memorial_id, registers=[register]))
        if messages:
            by_register[register] = messages
        if on_register is not None:
            on_register()
    return by_register


def portrait_build(*, version: TwinVersion, progress: StepProgress) -> None:
    """Measure each register's style from the subject's passages and store one
    StylePortrait per register (the features encrypted), inside `progress.committing()`.
    A register with no writing gets no portrait."""
    memorial_id = version.twin.memorial_id
    progress.total(len(Register.values) + 1)
    by_register = register_messages(memorial_id=memorial_id, on_register=progress.advance)
    features = portrait_features({r: [m.text for m in ms] for r, ms in by_register.items()})
    cipher = memorial_cipher(memorial_id=memorial_id)
    with progress.committing() as locked:
        StylePortrait.objects.filter(version=locked).delete()  # a retry of this step
        StylePortrait.objects.bulk_create(
            [
                StylePortrait(
                    version=locked,
                    register=register,
                    features_encrypted=cipher.encrypt_text(json.dumps(found)),
                    messages_count=found["based_on"]["messages"],
                    words_count=found["based_on"]["words"],
                )
                for register, found in features.items()
            ]
        )
    progress.advance()
