"""The conversation socket, `/ws/memorials/<uuid>/conversation/`: one visitor talking with the
twin, from any number of devices.

The wire (JSON). The browser sends:
- `{"type": "resume", "after_seq": n}` on every (re)connect: every message after `n` comes
  back in order as `{"type": "message", ...}` (a reply still being written with its text so
  far), then `{"type": "resumed", "last_seq": m}`, then live events;
- `{"type": "send", "client_id": ..., "text": ...}`: acknowledged at once with
  `{"type": "ack", "client_id", "seq", "text"}` (every device of the visitor gets it);
- `{"type": "retry", "seq": n}`: "try again" on a failed reply.
The server sends the twin's reply as `{"type": "reply_start", "seq", "reply_to"}`, then
`{"type": "token", "seq", "offset", "text"}`, then `{"type": "reply_end", "seq", "status",
"text", "passages", "sources", "abstained", "label", "notice"}` (`sources`: the passages
drawn on, each `{"id", "text", "date", "to"}`, for "where this comes from");
`{"type": "audio", "seq", "index", "mime", "audio", "last", "voice_kind", "notice"?,
"line"?}`: reply `seq` spoken (`voice`, through `conversations.speech`), one sentence's
audio (base64) a piece, in order, `last` on the final one, `notice` when speech failed (the
text stands), `line` on the piece that is the session's spoken AI line (`voice.speaking`),
not the reply's words;
`{"type": "question", "seq", "status"}` when the question that reply `seq` could not answer
was passed on to the living subject (`waiting`), or they answered or declined it;
`{"type": "notice", "kind", "text"}`: a calm notice for the visitor (`disclosure`: that
this is an AI and not the person, at a session's start and every three hours of use,
`conversations.guardrails.disclosure`; before `resumed` when a resume starts a session);
`{"type": "notice", "kind", "text"}` also for the visitor's time (guardrails.limits): a
break reminder, or quiet hours, the day's time or the visit's length reached, when new
messages wait (the socket stays open to read, and a message sent then gets the notice and
an `error` for it);
`{"type": "error", "message"}` for a message it cannot take; `{"type": "refused", "reason"}`
before closing with CONVERSATION_REFUSED.

Nothing is lost or doubled: every event is stored before it is sent, the socket joins its
groups before it reads the history, and it keeps what it has delivered (seqs, and how much
of each reply) so an event that the history already covered is not sent again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone

from accounts.models import User
from consent.consumers import ConsentBoundConsumerMixin
from conversations.access import ConversationAccess, conversation_access, conversation_time_check
from conversations.guardrails.disclosure import disclosure_claim, disclosure_may_be_due
from conversations.guardrails.limits import TimeState, break_mark, break_notice
from conversations.guardrails.reliance import reliance_note, reliance_review
from conversations.selectors import (
    MessageView,
    conversation_consent_scope,
    conversation_get,
    messages_after,
)
from conversations.services.messages import (
    MessageRefused,
    SentMessage,
    message_send,
    reply_retry,
)
from conversations.services.usage import IDLE_GRACE, usage_add
from conversations.services.visits import conversation_closed_record, conversation_opened_record
from core.consent import ConsentRequired
from core.crypto import KeyDestroyed, ciphers_reused, memorial_key_wrapped
from core.events import (
    Audience,
    EventKind,
    SocketClose,
    memorial_audience_group,
    memorial_visitor_group,
)
from core.sockets import SessionBoundConsumer
from memorials.selectors import MemorialNotFound

WIRE_TYPES: dict[str, str] = {
    EventKind.CONVERSATION_ACK: "ack",
    EventKind.CONVERSATION_REPLY_START: "reply_start",
    EventKind.CONVERSATION_TOKEN: "token",
    EventKind.CONVERSATION_REPLY_END: "reply_end",
}


@dataclass(frozen=True)
class _Decided:
    """A socket's access, decided when it opens and again on the events that change it,
    with what it keeps for its messages until then."""

    access: ConversationAccess
    scope: str = ""  # the consent its replies need ("" when not allowed)
    # The memorial's key, still wrapped (core.crypto.memorial_key_wrapped): each message
    # opens it instead of reading it again; an erasure closes the socket.
    key: bytes = b""


def _access(user: User, memorial_id: str) -> _Decided:
    access = conversation_access(user=user, memorial_id=memorial_id)
    if not access.allowed:
        return _Decided(access)
    # A visitor let in carries the scope their access was decided on (no second look).
    scope = access.scope or conversation_consent_scope(
        memorial=access.memorial, preview=access.preview
    )
    return _Decided(access, scope, memorial_key_wrapped(memorial_id=access.memorial.pk))


@dataclass(frozen=True)
class _Taken:
    """What became of a message sent on the socket, decided in one trip to the database:
    the visitor's time, then the message stored (or why not)."""

    refusal: str = ""  # the consent is withdrawn now: the socket says why and closes
    state: TimeState | None = None  # the visitor's time (None: no limits apply)
    sent: SentMessage | None = None
    error: str = ""  # the message could not be taken as it is (MessageRefused)


def _take(*, decided: _Decided, client_id: object, text: object) -> _Taken:
    """The socket's access was decided when it opened, and is decided again on each event
    that changes it (`ConversationConsumer.memorial_event`); the consent the reply needs is
    checked again here by construction: `message_send` queues the reply through the task
    base, which refuses without it (nothing is stored then)."""
    access, scope = decided.access, decided.scope
    state = conversation_time_check(access=access)
    if state is not None and state.stop is not None:
        return _Taken(state=state)
    try:
        # The message and its reply's placeholder: the key the socket keeps, not read again.
        with ciphers_reused(wrapped={str(access.memorial.pk): decided.key}):
            sent = message_send(
                memorial_id=access.memorial.pk,
                visitor=access.membership.user,
                client_id=client_id,  # type: ignore[arg-type]  # checked by message_send
                text=text,  # type: ignore[arg-type]
                scope=scope,
            )
    except MessageRefused as refusal:
        return _Taken(state=state, error=str(refusal))
    except ConsentRequired as refusal:
        return _Taken(refusal=str(refusal))
    return _Taken(state=state, sent=sent)


def _time(access: ConversationAccess) -> TimeState | None:
    return conversation_time_check(access=access)


def _history(*, memorial_id: str, visitor: User, after_seq: int) -> list[MessageView]:
    conversation = conversation_get(memorial_id=memorial_id, visitor=visitor)
    return (
        []
        if conversation is None
        else messages_after(conversation=conversation, after_seq=after_seq)
    )


class ConversationConsumer(ConsentBoundConsumerMixin, SessionBoundConsumer):
    memorial_id: str
    visitor: User
    decided: _Decided
    groups_joined: tuple[str, ...] = ()
    messages_sent = 0  # on this socket, for the audit log: how much, never what
    disclosed_at: datetime | None = None  # the disclosure notice last given, as last read
    seen_at: datetime | None = None  # the visitor's last message to this socket

    async def connect(self) -> None:
        self.memorial_id = str(self.scope["url_route"]["kwargs"]["memorial_id"])
        try:
            decided = await database_sync_to_async(_access)(
                self.scope.get("user"), self.memorial_id
            )
        except (MemorialNotFound, KeyDestroyed):
            await self.close(code=SocketClose.NOT_FOUND)
            return
        access, scope = decided.access, decided.scope
        if not access.allowed:
            await self.accept()
            await self._refuse(access.reason)
            return
        self.decided = decided  # decided again on the events that change it
        self.visitor = access.membership.user
        self.preview = access.preview
        self.time_noticed = ""  # the stopping notice this socket showed last
        self.breaks_noticed = 0  # break reminders shown for this visit
        self.opened_at = self.active_at = time.monotonic()  # for the seconds of conversation
        self.consent_scopes = (scope,)
        self.resumed = False
        self.resumed_from = 0  # the seq the browser said it had seen when it resumed
        self.delivered: set[int] = set()  # seqs this socket has shown
        self.lengths: dict[int, int] = {}  # characters of each reply being written, shown
        self.finished: set[int] = set()  # replies whose end this socket has shown
        self.groups_joined = (
            memorial_audience_group(memorial_id=self.memorial_id, audience=Audience.MEMBERS),
            memorial_visitor_group(memorial_id=self.memorial_id, visitor_id=self.visitor.pk),
        )
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.session_bind(memorial_id=self.memorial_id, user_id=self.visitor.pk)
        await self.accept()
        await database_sync_to_async(conversation_opened_record)(
            memorial_id=self.memorial_id, visitor=self.visitor, preview=self.preview
        )

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.groups_joined:  # an accepted conversation: count its time (services.usage)
            ended = min(time.monotonic(), self.active_at + IDLE_GRACE)
            seconds = round(ended - self.opened_at)
            await database_sync_to_async(usage_add)(
                memorial_id=self.memorial_id, visitor_id=self.visitor.pk, seconds=seconds
            )
            await database_sync_to_async(conversation_closed_record)(
                memorial_id=self.memorial_id,
                visitor=self.visitor,
                preview=self.preview,
                messages=self.messages_sent,
                seconds=seconds,
            )
            if not self.preview:
                await database_sync_to_async(reliance_review)(
                    memorial_id=self.memorial_id, visitor_id=self.visitor.pk
                )
        await super().disconnect(code)

    async def _refuse(self, reason: str) -> None:
        await self.send_json({"type": "refused", "reason": reason})
        await self.close(code=SocketClose.CONVERSATION_REFUSED)

    # --- from the browser ---------------------------------------------------------------

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        self.active_at = time.monotonic()
        kind = content.get("type")
        if kind == "resume":
            await self._resume(content.get("after_seq"))
            await self._time_watch()
        elif kind == "send":
            await self._disclose_mid_session()
            await self._send(content.get("client_id"), content.get("text"))
        elif kind == "retry":
            await self._retry(content.get("seq"))

    async def _resume(self, after_seq: object) -> None:
        start = after_seq if isinstance(after_seq, int) and after_seq >= 0 else 0
        self.resumed_from = start
        history = await database_sync_to_async(_history)(
            memorial_id=self.memorial_id, visitor=self.visitor, after_seq=start
        )
        await self._show(history)
        await self._disclose()
        self.resumed = True
        last = max([start, *(view.seq for view in history)])
        await self.send_json({"type": "resumed", "last_seq": last})

    async def _show(self, history: list[MessageView]) -> None:
        """Messages as stored, in order, but those this socket has shown already (a reply
        still being written is shown again: its text so far may have grown)."""
        for view in history:
            if view.seq in self.finished or (view.seq in self.delivered and not view.is_twin):
                continue
            self.delivered.add(view.seq)
            if view.streaming:
                self.lengths[view.seq] = len(view.text)
            elif view.is_twin:
                self.finished.add(view.seq)
            await self.send_json(view.wire())

    async def _disclose(self) -> None:
        """The disclosure notice, when a session starts or three hours of use have passed
        (`guardrails.disclosure` decides and records it)."""
        disclosure = await database_sync_to_async(disclosure_claim)(
            memorial_id=self.memorial_id, visitor=self.visitor
        )
        self.disclosed_at, self.seen_at = disclosure.disclosed_at, timezone.now()
        if disclosure.text:
            await self.send_json({"type": "notice", "kind": "disclosure", "text": disclosure.text})

    async def _disclose_mid_session(self) -> None:
        """On a socket left open: asks the database only when the notice may be due."""
        now, seen_at = timezone.now(), self.seen_at or timezone.now()
        self.seen_at = now
        if self.resumed and disclosure_may_be_due(
            disclosed_at=self.disclosed_at, seen_at=seen_at, now=now
        ):
            await self._disclose()

    async def _allowed_scope(self) -> str | None:
        """Access decided again (at each "try again", and when an event says the memorial's
        state or wishes changed): kept for the socket's next messages. Closes the socket,
        saying why, when it is no longer allowed."""
        try:
            decided = await database_sync_to_async(_access)(self.visitor, self.memorial_id)
        except (MemorialNotFound, KeyDestroyed):
            await self.close(code=SocketClose.NOT_FOUND)
            return None
        if not decided.access.allowed:
            await self._refuse(decided.access.reason)
            return None
        self.decided = decided
        return decided.scope

    async def _send(self, client_id: object, text: object) -> None:
        taken = await database_sync_to_async(_take)(
            decided=self.decided, client_id=client_id, text=text
        )
        if taken.refusal:
            await self._refuse(taken.refusal)
            return
        if await self._time_notice(taken.state, client_id=client_id):
            return
        if taken.error:
            await self.send_json({"type": "error", "client_id": client_id, "message": taken.error})
            return
        sent = taken.sent
        assert sent is not None
        if sent.seq not in self.delivered:
            self.delivered.add(sent.seq)
            await self.send_json(
                {"type": "ack", "client_id": sent.client_id, "seq": sent.seq, "text": sent.text}
            )
        if sent.created:
            self.messages_sent += 1
        if sent.created and not self.preview:  # counted once, however often it is resent
            await database_sync_to_async(reliance_note)(
                memorial_id=self.memorial_id, visitor_id=self.visitor.pk, text=sent.text
            )

    async def _time_watch(self) -> None:
        """The visitor's time, asked on its own (a resume): see `_time_notice`."""
        state = await database_sync_to_async(_time)(self.decided.access)
        await self._time_notice(state)

    async def _time_notice(self, state: TimeState | None, *, client_id: object = None) -> bool:
        """The visitor's time (conversations.access.conversation_time_check): a stopping
        notice once per socket and kind, and with an `error` for a message sent meanwhile
        (True: it is not taken); else a break reminder at each mark the visit has passed."""
        if state is None:
            return False
        if state.stop is not None:
            if state.stop.kind != self.time_noticed or client_id is not None:
                self.time_noticed = state.stop.kind
                await self.send_json(state.stop.wire())
            if client_id is not None:
                await self.send_json(
                    {"type": "error", "client_id": client_id, "message": state.stop.text}
                )
            return True
        self.time_noticed = ""
        mark = break_mark(limits=state.limits, visit_seconds=state.visit_seconds)
        if mark < self.breaks_noticed:  # a new visit after a rest
            self.breaks_noticed = 0
        if mark > self.breaks_noticed:
            self.breaks_noticed = mark
            await self.send_json(break_notice(mark * state.limits.break_minutes).wire())
        return False

    async def _retry(self, seq: object) -> None:
        if (scope := await self._allowed_scope()) is None:
            return
        try:
            await database_sync_to_async(reply_retry)(
                memorial_id=self.memorial_id, visitor=self.visitor, seq=seq, scope=scope
            )
        except ConsentRequired as refusal:
            await self._refuse(str(refusal))

    # --- from the channel layer ---------------------------------------------------------

    async def memorial_event(self, event: dict[str, Any]) -> None:
        if await self.consent_revocation_close(event):
            return
        kind = event["kind"]
        if kind == EventKind.ERASED:
            await self.close(code=SocketClose.ERASED)
        elif kind == EventKind.STATE:  # the memorial's state or wishes changed: ask again
            await self._allowed_scope()
        elif kind in WIRE_TYPES and self.resumed:
            self.active_at = time.monotonic()
            await self._live(kind, event["data"])
        elif kind == EventKind.CONVERSATION_AUDIO and self.resumed:
            if event["data"]["seq"] in self.delivered:  # a spoken reply this socket shows
                await self.send_json({"type": "audio", **event["data"]})
        elif kind == EventKind.CONVERSATION_QUESTION and self.resumed:
            # A state, not a message: sent again it says the same, so no bookkeeping.
            await self.send_json({"type": "question", **event["data"]})

    async def _live(self, kind: str, data: dict[str, Any]) -> None:
        """Forward one conversation event unless this socket has already shown it."""
        seq = data["seq"]
        if kind == EventKind.CONVERSATION_TOKEN:
            await self._token(data)
            return
        if kind == EventKind.CONVERSATION_REPLY_END:
            if seq in self.finished:
                return
            self.finished.add(seq)
        elif seq in self.delivered:  # an ack or a reply's start, already shown
            return
        elif kind == EventKind.CONVERSATION_REPLY_START:
            self.lengths[seq] = 0
        self.delivered.add(seq)
        await self.send_json({"type": WIRE_TYPES[kind], **data})

    async def _token(self, data: dict[str, Any]) -> None:
        seq, offset, text = data["seq"], data["offset"], data["text"]
        if seq in self.finished:
            return
        if seq not in self.delivered:  # its words before its start (sent from elsewhere)
            await self._catch_up(seq)
            return
        have = self.lengths.get(seq, 0)
        end = offset + len(text)
        if end <= have:
            return  # the history already had it
        if offset > have:  # a piece this socket never saw: send the reply as stored
            await self._catch_up(seq)
            return
        self.lengths[seq] = end
        await self.send_json(
            {"type": "token", "seq": seq, "offset": have, "text": text[have - offset :]}
        )

    async def _catch_up(self, seq: int) -> None:
        """Reply `seq` as stored, with what came before it that this socket has not shown:
        for a piece of it this socket did not see."""
        after = max((shown for shown in self.delivered if shown < seq), default=self.resumed_from)
        history = await database_sync_to_async(_history)(
            memorial_id=self.memorial_id, visitor=self.visitor, after_seq=after
        )
        await self._show(history)
