"""Live events for a memorial's open pages: each kind declared once, with its payload and its
audience, and one sender, `event_send_on_commit`, that checks an event against its declaration
and broadcasts it after the transaction commits (`event_send_progress` sends at once, for the
progress of work still running).

A memorial has one channel-layer group per audience. A socket joins the groups its member's
role may receive (`memorial_audience_groups`), so an event for the subject alone never reaches
a steward's or a family member's socket. Conversation events go to one visitor's devices alone
(`Audience.VISITOR`: a group per memorial and visitor, which is per conversation), so they are
sent with the visitor's id.
"""

# No `from __future__ import annotations` here: on Python 3.11 a TypedDict's NotRequired keys
# are only recognised when its annotations are real objects, not strings.

import asyncio
import enum
import logging
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


class Audience(enum.StrEnum):
    """Who may receive an event of a kind (the value names the memorial's group)."""

    SUBJECT = "subject"
    SUBJECT_AND_STEWARDS = "stewards"
    MEMBERS = "members"
    VISITOR = "visitor"  # one visitor's devices: their conversation with the twin


class EventKind(enum.StrEnum):
    UPLOAD = "upload"
    STATE = "state"
    CONSENT_REVOKED = "consent.revoked"
    ERASED = "erased"
    TWIN_BUILD = "twin.build"
    CONVERSATION_ACK = "conversation.ack"
    CONVERSATION_REPLY_START = "conversation.reply_start"
    CONVERSATION_TOKEN = "conversation.token"
    CONVERSATION_REPLY_END = "conversation.reply_end"
    CONVERSATION_QUESTION = "conversation.question"
    CONVERSATION_AUDIO = "conversation.audio"
    VOICE_SAMPLE = "voice.sample"
    VOICE_SPOKEN_CONSENT = "voice.spoken_consent"


class UploadEvent(TypedDict):
    """An upload's status and progress; the file name is the subject's alone."""

    upload_id: str
    name: str
    status: str
    status_label: str
    done: int  # documents read and stored so far
    total: int  # documents in all, once finished (0 while reading: they stream)
    passages: int
    error: str
    files_done: NotRequired[int]  # while reading: files of the upload read (a zip's members)
    files_total: NotRequired[int]  # ...of this many known so far (grows as nested zips open)
    memorial_counts: NotRequired[dict[str, int]]  # once, when the upload has finished
    formats_read: NotRequired[list[str]]  # then too: what its files were read as, in words
    file_errors: NotRequired[list[str]]  # and "<file>: <why>" for each file not read
    # While a document is indexed: its passages embedded and stored so far, of how many (the
    # bar moves through one large chat).
    passages_embedded: NotRequired[int]
    passages_to_embed: NotRequired[int]


class StateEvent(TypedDict):
    state: str


class ConsentRevokedEvent(TypedDict):
    """Every member hears it: a family member's conversation socket must close on it."""

    scope: str
    message: NotRequired[str]  # added by a conversation socket, with which it closes


class ErasedEvent(TypedDict):
    pass


class TwinBuildEvent(TypedDict):
    """A twin build's state and progress, and whether the twin is stale. No content: step
    names and reasons are plain words of ours."""

    version_id: str
    number: int
    status: str
    status_label: str
    step: str
    step_label: str
    percent: int  # of the whole build, 0-100
    seconds_left: int | None  # an estimate, once there is enough to go on
    failure: str
    stale: bool
    stale_reason: str
    notes: list[str]  # what its steps had to say, kept (`TwinVersion.notes`)
    notice: NotRequired[str]  # a passing trouble: "the language model is busy; trying again"


class ConversationAckEvent(TypedDict):
    """A visitor's message, stored: `seq` is its place in the conversation. Every device of
    the visitor receives it (the one that sent it recognises its `client_id`)."""

    client_id: str
    seq: int
    text: str


class ConversationReplyStartEvent(TypedDict):
    """The twin begins a reply (numbered `seq`) to the visitor's message `reply_to`."""

    seq: int
    reply_to: int


class ConversationTokenEvent(TypedDict):
    """A piece of a reply being written, stored before it is sent; `offset` is where it
    starts in the reply's text (in characters), so a device that already has it skips it."""

    seq: int
    offset: int
    text: str


class ConversationReplyEndEvent(TypedDict):
    """A reply ends: complete, or failed part way (its text kept, `notice` saying why)."""

    seq: int
    status: str
    text: str
    passages: list[int]
    label: str
    notice: str
    # "where this comes from": {"id", "text", "date", "to"} per passage drawn on
    sources: NotRequired[list[dict[str, Any]]]
    abstained: bool  # the twin said it did not know: it may offer to ask the living subject
    # the guardrail that wrote or shaped it ("crisis": the page shows the crisis lines under it)
    concern: NotRequired[str]


class ConversationQuestionEvent(TypedDict):
    """The question the visitor passed on from the twin's reply `seq` to the living subject:
    asked (`waiting`), `answered` or `declined`. No content: the page words the line."""

    seq: int
    status: str


class ConversationAudioEvent(TypedDict):
    """A piece of a reply's spoken audio (`voice`): chunk `index` of reply `seq`, in order,
    base64-encoded. `last` marks the reply's final chunk; `notice` a speech failure (the
    text reply stands)."""

    seq: int
    index: int
    mime: str
    audio: str  # base64
    last: bool
    voice_kind: str  # "clone" (made from their recordings) or "generic" (not their voice)
    notice: NotRequired[str]
    line: NotRequired[bool]  # the session's audible AI line (`voice.speaking`), not the reply


class VoiceSampleEvent(TypedDict):
    """One voice sample listened to (or stopped): for the subject's samples page."""

    sample_id: str
    status: str
    label: str  # its verdict ("Good", ...) once heard, else its status ("Failed", ...)
    analysing: int  # the memorial's samples still being listened to


class VoiceSpokenConsentEvent(TypedDict):
    """The words of a spoken consent were checked (or could not be): the page reloads."""

    spoken_id: str
    check: str  # voice.models.TranscriptCheck


@dataclass(frozen=True)
class EventDeclaration:
    kind: EventKind
    payload: type[Any]  # a TypedDict: its required and optional keys are the payload's
    audience: Audience


EVENTS: Mapping[EventKind, EventDeclaration] = {
    declaration.kind: declaration
    for declaration in (
        EventDeclaration(EventKind.UPLOAD, UploadEvent, Audience.SUBJECT),
        EventDeclaration(EventKind.STATE, StateEvent, Audience.MEMBERS),
        EventDeclaration(EventKind.CONSENT_REVOKED, ConsentRevokedEvent, Audience.MEMBERS),
        EventDeclaration(EventKind.ERASED, ErasedEvent, Audience.MEMBERS),
        EventDeclaration(EventKind.TWIN_BUILD, TwinBuildEvent, Audience.SUBJECT_AND_STEWARDS),
        EventDeclaration(EventKind.CONVERSATION_ACK, ConversationAckEvent, Audience.VISITOR),
        EventDeclaration(
            EventKind.CONVERSATION_REPLY_START, ConversationReplyStartEvent, Audience.VISITOR
        ),
        EventDeclaration(EventKind.CONVERSATION_TOKEN, ConversationTokenEvent, Audience.VISITOR),
        EventDeclaration(
            EventKind.CONVERSATION_REPLY_END, ConversationReplyEndEvent, Audience.VISITOR
        ),
        EventDeclaration(
            EventKind.CONVERSATION_QUESTION, ConversationQuestionEvent, Audience.VISITOR
        ),
        EventDeclaration(EventKind.CONVERSATION_AUDIO, ConversationAudioEvent, Audience.VISITOR),
        EventDeclaration(EventKind.VOICE_SAMPLE, VoiceSampleEvent, Audience.SUBJECT),
        EventDeclaration(EventKind.VOICE_SPOKEN_CONSENT, VoiceSpokenConsentEvent, Audience.SUBJECT),
    )
}


class EventUndeclared(ValueError):
    """An event whose kind or payload keys are not the declared ones."""


def event_declaration(*, kind: str, data: Mapping[str, Any]) -> EventDeclaration:
    """The declaration `kind` and `data` conform to; raises EventUndeclared otherwise."""
    try:
        declaration = EVENTS[EventKind(kind)]
    except ValueError:
        raise EventUndeclared(f"Event kind {kind!r} is not declared in core.events.") from None
    required: frozenset[str] = declaration.payload.__required_keys__
    allowed = required | declaration.payload.__optional_keys__
    missing, unknown = required - data.keys(), data.keys() - allowed
    if missing or unknown:
        raise EventUndeclared(
            f"Event {kind!r}: missing keys {sorted(missing)}, undeclared keys {sorted(unknown)}."
        )
    return declaration


def memorial_audience_group(*, memorial_id: uuid.UUID | str, audience: Audience) -> str:
    if audience is Audience.VISITOR:
        raise ValueError("a visitor's group is named with the visitor: memorial_visitor_group")
    return f"memorial.{memorial_id}.{audience.value}"


def memorial_visitor_group(
    *, memorial_id: uuid.UUID | str, visitor_id: uuid.UUID | str | int
) -> str:
    """The group of one visitor's devices on one memorial: their conversation's sockets."""
    return f"memorial.{memorial_id}.{Audience.VISITOR.value}.{visitor_id}"


def memorial_audience_groups(
    *, memorial_id: uuid.UUID | str, audiences: Iterable[Audience]
) -> list[str]:
    return [memorial_audience_group(memorial_id=memorial_id, audience=a) for a in audiences]


def _addressed(
    *,
    memorial_id: uuid.UUID | str,
    kind: str,
    data: Mapping[str, Any],
    visitor_id: uuid.UUID | str | int | None = None,
) -> tuple[str, dict[str, Any]]:
    """The group of the event's declared audience and the layer message (checked first).
    An event for one visitor's devices names the visitor; no other event does."""
    declaration = event_declaration(kind=kind, data=data)
    if (declaration.audience is Audience.VISITOR) != (visitor_id is not None):
        raise EventUndeclared(
            f"Event {kind!r} is for {declaration.audience.value!r}: "
            + ("name the visitor." if visitor_id is None else "it takes no visitor.")
        )
    if visitor_id is not None:
        group = memorial_visitor_group(memorial_id=memorial_id, visitor_id=visitor_id)
    else:
        group = memorial_audience_group(memorial_id=memorial_id, audience=declaration.audience)
    return group, {"type": "memorial.event", "kind": declaration.kind.value, "data": dict(data)}


def event_send_on_commit(
    *,
    memorial_id: uuid.UUID | str,
    kind: str,
    data: Mapping[str, Any],
    visitor_id: uuid.UUID | str | int | None = None,
) -> None:
    """Send one event to the sockets of its declared audience once the current transaction
    commits (at once outside a transaction). An undeclared kind or payload raises here, at
    the call, as does a visitor's event without its visitor (`visitor_id`). A failed
    broadcast is logged, not raised: what it reports is already saved."""
    group, message = _addressed(
        memorial_id=memorial_id, kind=kind, data=data, visitor_id=visitor_id
    )
    transaction.on_commit(lambda: layer_group_send(group=group, message=message), robust=True)


def event_send_progress(
    *, memorial_id: uuid.UUID | str, kind: str, data: Mapping[str, Any]
) -> None:
    """Send a progress event now, even inside an open transaction: only for work still
    running (a bar moving through one long document's embedding), whose outcome a later
    event sent on commit always states. Checked against the declarations like the other."""
    group, message = _addressed(memorial_id=memorial_id, kind=kind, data=data)
    try:
        layer_group_send(group=group, message=message)
    except Exception:
        logger.exception("a progress event could not be sent")


def layer_group_send(*, group: str, message: dict[str, Any]) -> None:
    """Send now, through the channel layer. Memorial events go through
    `event_send_on_commit`, which checks them against their declaration. Called from sync
    code (a worker's thread, a socket's database thread), it runs on that thread's own event
    loop, kept from one send to the next, so the layer's connection is kept too (a new loop
    and connection for each send, as `async_to_sync` makes them, took about 1 ms)."""
    layer = get_channel_layer()
    if layer is not None:
        _thread_loop().run_until_complete(layer.group_send(group, message))


_thread_loops = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    """This thread's event loop for sends from sync code. Raises RuntimeError in a thread
    that runs a loop already (async code awaits the layer itself)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("layer_group_send is for sync code: await the layer instead")
    loop = getattr(_thread_loops, "loop", None)
    if loop is None or loop.is_closed():
        loop = _thread_loops.loop = asyncio.new_event_loop()
    return loop


def event_send_now(
    *, memorial_id: uuid.UUID | str, visitor_id: Any, kind: EventKind, data: Mapping[str, Any]
) -> None:
    """Send a visitor's event at once, not after a commit (a reply's audio, made beside the
    text in a thread of its own), checked against its declaration, on this thread's own
    event loop (`layer_group_send`). A failed send is logged, never raised."""
    event_declaration(kind=kind, data=data)
    group = memorial_visitor_group(memorial_id=memorial_id, visitor_id=visitor_id)
    message = {"type": "memorial.event", "kind": kind.value, "data": dict(data)}
    try:
        layer_group_send(group=group, message=message)
    except Exception:
        logger.exception("a %s event could not be sent", kind.value)


class SocketClose(enum.IntEnum):
    """Why a memorial socket was closed (websocket close codes; 4000-4999 are ours)."""

    SIGNED_OUT = 4401
    CONSENT_REVOKED = 4403  # a conversation socket whose consent was withdrawn
    CONVERSATION_REFUSED = 4423  # may not talk with the twin now; the page says why
    NOT_FOUND = 4404  # the socket twin of a 404
    ERASED = 4410  # the memorial was erased (kill switch): the twin of a 410 Gone
    SESSION_EXPIRED = 4440
    MEMBERSHIP_REMOVED = 4441


def event_names() -> dict[str, Any]:
    """The names the browser code uses: event kinds and socket close codes, by name."""
    return {
        "kinds": {kind.name: kind.value for kind in EventKind},
        "closes": {close.name: close.value for close in SocketClose},
    }
