"""The voice app's consent-gated entry points, for tests/consent/test_gate_entry_points.py:
(name, scope, callable(memorial)) — the callable does the gated thing once."""

import uuid

from core.consent import ConsentScope
from voice.services import voice_clone_register

VOICE_ENTRY_POINTS = [
    (
        "voice.services.voice_clone_register",
        ConsentScope.VOICE,
        lambda memorial: voice_clone_register(
            memorial_id=memorial.id, provider="offline", remote_id=f"clone-{uuid.uuid4()}"
        ),
    ),
]
