"""The twin's reply to a visitor's message: the one seam between a conversation and the twin.

`reply_stream` gathers what the conversation knows (the visitor's relationship and so the
register, their memories, the recent turns, the subject's wishes) and asks the twin through
`twins.replies.twin_reply`, the one place the twin's prompt is composed: retrieval of the
subject's own words, the decision to answer, abstain or decline, and the provider with its
offline fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from conversations.memories import MemoryRecord, memories_for_reply
from conversations.models import Conversation, Message, MessageRole, MessageStatus
from conversations.voice import visitor_register
from core.crypto import memorial_cipher
from corpus.records import PassageRecord
from memorials.models import Membership
from memorials.wishes import forbidden_topics
from twins.providers import LlmMessage
from twins.replies import twin_reply
from twins.services.llm import TwinReply

logger = logging.getLogger(__name__)

RECENT_TURNS = 12  # earlier messages of the conversation given to the twin, oldest first
MEMORIES_PER_REPLY = 5
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

    passages: list[PassageRecord]  # drawn on (none when it abstained or declined)
    reply: TwinReply | None
    abstained: bool = False
    register: str = ""
    memories: list[MemoryRecord] = field(default_factory=list)
    failed: bool = False
    concern: str = ""  # the guardrail that shaped this reply (conversations.guardrails)
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
    """The twin's reply to `visitor_message`, streamed, with the passages it drew on.

    Raises ConsentRequired when the memorial's writing may no longer be read."""
    memorial_id = conversation.memorial_id
    cipher = memorial_cipher(memorial_id=memorial_id)
    question = cipher.decrypt_text(bytes(visitor_message.text_encrypted))
    membership = (
        Membership.objects.select_related("user")
        .filter(memorial_id=memorial_id, user_id=conversation.visitor_id)
        .first()
    )  # None: they left the memorial meanwhile (the reply is still written, voice unset)
    register = visitor_register(membership=membership) if membership else ""
    memories = memories_for_reply(
        memorial_id=memorial_id,
        # the seam annotates an int; user ids are UUIDs (its writer is told)
        visitor_id=conversation.visitor_id,
        query=question,
        limit=MEMORIES_PER_REPLY,
    )
    answer = twin_reply(
        memorial_id=memorial_id,
        question=question,
        history=_recent_turns(conversation=conversation, before_seq=visitor_message.seq),
        register=register or None,
        retrieve_in_register=False,  # voice by register; what it recalls, from all its writing
        memories=[memory.text for memory in memories],
        forbidden_topics=forbidden_topics(memorial_id=memorial_id),
        names=[membership.user.full_name] if membership else [],
        require_built=False,
        visitor_id=conversation.visitor_id,
    )
    return ReplyStream(
        passages=answer.passages,
        reply=answer.reply,
        abstained=answer.abstained,
        register=answer.register,
        memories=memories,
    )
