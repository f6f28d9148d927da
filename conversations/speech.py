"""Speaking the twin's replies: a small registry the reply pipeline calls, sentence by
sentence, so conversations need not know about voices.

The voice app registers one `ReplyVoice` (in `VoiceConfig.ready`). For each reply,
`reply_generate` asks it to `begin`; the session it returns is handed each checked sentence
as soon as it has been stored and sent as text (`sentence` must return at once: speech runs
beside the text and never holds it up), and is told when the reply has ended (`end`). A
reply with no voice (none registered, or the visitor chose text only) gets no session.

The guardrails' own replies (care with the crisis lines, refusals) are spoken too, but never
in the person's voice (`ReplySpeech.not_as_them`).

The conversation page asks the same registry for its voice controls (`speech_page`): what
the page shows about the voice, or nothing."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from conversations.access import ConversationAccess
    from conversations.models import Conversation, Message

logger = logging.getLogger(__name__)


class ReplySpeech(Protocol):
    def sentence(self, text: str) -> None:
        """Speak `text` after what was handed before; returns at once."""
        ...

    def end(self, *, failed: bool) -> None:
        """The reply has ended: speak what is left (or, when `failed`, stop) and finish."""
        ...

    def not_as_them(self) -> None:
        """This reply is the guardrails' own words (care, a refusal): speak it in a generic
        voice, never one made from the person's recordings. Called before any sentence."""
        ...


class ReplyVoice(Protocol):
    def begin(self, *, reply: Message, scope: str) -> ReplySpeech | None:
        """A speaking session for `reply`, or None when it is not to be spoken. Must be
        quick: the reply's text waits for it."""
        ...

    def page(
        self, *, access: ConversationAccess, conversation: Conversation | None
    ) -> dict[str, Any]:
        """The conversation page's voice controls (its template context), or {}."""
        ...


_voices: list[ReplyVoice] = []


def reply_voice_register(voice: ReplyVoice) -> None:
    """Set the voice that speaks replies (one; registering again replaces it)."""
    _voices[:] = [voice]


def reply_speech_begin(*, reply: Message, scope: str) -> ReplySpeech | None:
    """The speaking session for `reply`, or None. A voice that fails to begin never stops
    the text: it is logged and the reply goes on unspoken."""
    if not _voices:
        return None
    try:
        return _voices[0].begin(reply=reply, scope=scope)
    except Exception:
        logger.exception("a reply's speech could not begin")
        return None


def reply_speech_end(speech: ReplySpeech | None, *, failed: bool) -> None:
    """End a speaking session (None: nothing to do); a failure is logged, never raised."""
    if speech is None:
        return
    try:
        speech.end(failed=failed)
    except Exception:
        logger.exception("a reply's speech could not end cleanly")


def speech_page(*, access: ConversationAccess, conversation: Conversation | None) -> dict[str, Any]:
    """The voice controls for the conversation page ({} when there is no voice)."""
    if not _voices or not access.allowed:
        return {}
    return _voices[0].page(access=access, conversation=conversation)
