"""The voice card on the memorial page: the subject's way to their voice samples."""

from __future__ import annotations

from typing import Any

from consent.gate import consent_is_granted
from core.consent import ConsentScope
from memorials.models import Membership, MemorialState, Role
from memorials.panels import MemorialPanel, panel_register
from voice import selectors
from voice.models import VoiceSample


def _voice_panel_context(membership: Membership) -> dict[str, Any] | None:
    if membership.role != Role.SUBJECT or membership.memorial.state in (
        MemorialState.CLOSED,
        MemorialState.ERASED,
    ):
        return None
    memorial_id = membership.memorial_id
    return {
        "consented": consent_is_granted(memorial_id=memorial_id, scope=ConsentScope.VOICE),
        "samples": VoiceSample.objects.filter(memorial_id=memorial_id).count(),
        "set": selectors.sample_set_verdict(memorial_id=memorial_id),
        "spoken": selectors.spoken_consent_live(memorial_id=memorial_id) is not None,
    }


def voice_panel_register() -> None:
    panel_register(MemorialPanel("voice", "voice/_panel.html", _voice_panel_context, order=25))
