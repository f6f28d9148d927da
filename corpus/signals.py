"""What the corpus tells the apps that build on it. The corpus imports none of them: a twin
that must know its writing changed listens here (`twins.staleness`)."""

from __future__ import annotations

import uuid

from django.dispatch import Signal

# Sent inside the transaction that changed the subject's writing, with `memorial_id` and
# `reason` (plain words, no content: "new writing was added").
corpus_changed = Signal()


def corpus_changed_send(*, memorial_id: uuid.UUID | str, reason: str) -> None:
    corpus_changed.send(sender=None, memorial_id=memorial_id, reason=reason)
