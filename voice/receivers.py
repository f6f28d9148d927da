"""What the voice app does when consent changes."""

from __future__ import annotations

import uuid
from typing import Any

from core.consent import ConsentScope
from voice.tasks import voice_clones_delete


def voice_clones_delete_on_revocation(
    sender: Any, *, memorial_id: uuid.UUID, scope: str, **kwargs: Any
) -> None:
    """Consent `voice` withdrawn: the remote clones go, through their providers."""
    if scope != ConsentScope.VOICE:
        return
    voice_clones_delete.enqueue(memorial_id=memorial_id)
