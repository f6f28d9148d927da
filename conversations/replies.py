"""The twin's reply to a visitor's message: the one seam between a conversation and the twin.

`reply_stream` composes retrieval (the one retrieval function, the subject's own words only)
and the twin's provider with its offline fallback (`twins.services.llm.reply_with_fallback`).
It is deliberately minimal for now; grounding (the decision to abstain, the register that
fits the visitor, their memories, the wishes' topics) comes in here, behind the same call.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from conversations.models import Conversation, Message, MessageRole, MessageStatus
from core.crypto import memorial_cipher
from corpus.records import PassageRecord
from corpus.retrieval import passage_retrieve
from twins.persona.prompt import persona_instructions
from twins.providers import LlmMessage, PersonaPrompt
from twins.selectors import twin_serving
from twins.services.llm import TwinReply, reply_with_fallback

logger = logging.getLogger(__name__)

PASSAGES_PER_REPLY = 8
RECENT_TURNS = 12  # earlier messages of the conversation given to the twin, oldest first
MAX_REPLY_TOKENS = 700

PERSONA_BASE = (
    "You are the memorial twin of {name}, talking with someone they chose. Speak as {name} "
    "would, warmly and plainly, using only what the passages from their own writing "
    "support. When they do not support an answer, say that you don't remember."
)
STOPPED_NOTICE = (
    "The connection to the language model broke off part way through this reply. "
    "What was said is kept; you can try again."
)
FAILED_NOTICE = "This reply could not be written just now. Your message is kept; you can try again."


@dataclass
class ReplyStream:
    """A reply being written. Iterate `chunks` once for its text. When the provider fails
    part way, the stream ends early with `failed` set and a calm `notice`: what was said
    stands and is not mixed with other words. When it fails before saying anything, the
    offline responder answers instead (`label` names it; `notice` says why)."""

    passages: list[PassageRecord]
    reply: TwinReply | None
    failed: bool = False
    _notice: str = ""
    chunks: Iterator[str] = field(init=False)

    def __post_init__(self) -> None:
        self.chunks = self._chunks()

    @property
    def label(self) -> str:
        return self.reply.label if self.reply is not None else ""

    @property
    def notice(self) -> str:
        return self._notice or (self.reply.notice if self.reply is not None else "")

    def _chunks(self) -> Iterator[str]:
        if self.reply is None:
            return
        try:
            for chunk in self.reply:
                if self.reply.fell_back and self.reply.partial:
                    # The provider failed after it had begun: keep its words, stop here.
                    self.failed, self._notice = True, STOPPED_NOTICE
                    return
                yield chunk
        except Exception:  # a provider that refused the request: say so, keep the message
            logger.exception("a twin reply failed")
            self.failed, self._notice = True, FAILED_NOTICE


def _recent_turns(*, conversation: Conversation, before_seq: int) -> list[LlmMessage]:
    earlier = list(
        conversation.messages.filter(seq__lt=before_seq)
        .exclude(status=MessageStatus.STREAMING)
        .order_by("-seq")[:RECENT_TURNS]
    )[::-1]
    cipher = memorial_cipher(memorial_id=conversation.memorial_id)
    turns: list[LlmMessage] = []
    for message in earlier:
        role: Literal["user", "assistant"] = (
            "user" if message.role == MessageRole.VISITOR else "assistant"
        )
        text = cipher.decrypt_text(bytes(message.text_encrypted)).strip()
        if not text:
            continue
        if turns and turns[-1].role == role:  # providers want turns to alternate
            turns[-1] = LlmMessage(role=role, content=f"{turns[-1].content}\n\n{text}")
        else:
            turns.append(LlmMessage(role=role, content=text))
    while turns and turns[0].role != "user":
        turns.pop(0)
    if turns and turns[-1].role == "user":  # an earlier message left without a reply
        turns.append(LlmMessage(role="assistant", content="…"))
    return turns


def reply_stream(*, conversation: Conversation, visitor_message: Message) -> ReplyStream:
    """The twin's reply to `visitor_message`, streamed, with the passages it was given.

    Raises ConsentRequired when the memorial's writing may no longer be read."""
    memorial = conversation.memorial
    cipher = memorial_cipher(memorial_id=memorial.id)
    question = cipher.decrypt_text(bytes(visitor_message.text_encrypted))
    passages = passage_retrieve(
        memorial_id=memorial.id, query=question, limit=PASSAGES_PER_REPLY, subject_only=True
    )
    serving = twin_serving(memorial_id=memorial.id)
    persona = PERSONA_BASE.format(name=memorial.name_read(cipher=cipher))
    if serving is not None and (instructions := persona_instructions(version=serving)):
        persona = f"{persona}\n\n{instructions}"
    messages = _recent_turns(conversation=conversation, before_seq=visitor_message.seq)
    messages.append(LlmMessage(role="user", content=question))
    reply = reply_with_fallback(
        memorial_id=memorial.id,
        system=PersonaPrompt(persona=persona, passages=tuple(p.text for p in passages)),
        messages=messages,
        max_tokens=MAX_REPLY_TOKENS,
    )
    return ReplyStream(passages=passages, reply=reply)
