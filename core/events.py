"""Live events for a memorial's open pages: each kind declared once, with its payload and its
audience, and one sender, `event_send_on_commit`, that checks an event against its declaration
and broadcasts it after the transaction commits (`event_send_progress` sends at once, for the
progress of work still running).

A memorial has one channel-layer group per audience. A socket joins the groups its member's
role may receive (`memorial_audience_groups`), so an event for the subject alone never reaches
a steward's or a family member's socket.
"""

# No `from __future__ import annotations` here: on Python 3.11 a TypedDict's NotRequired keys
# are only recognised when its annotations are real objects, not strings.

import enum
import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


class Audience(enum.StrEnum):
    """Who may receive an event of a kind (the value names the memorial's group)."""

    SUBJECT = "subject"
    SUBJECT_AND_STEWARDS = "stewards"
    MEMBERS = "members"


class EventKind(enum.StrEnum):
    UPLOAD = "upload"
    STATE = "state"
    CONSENT_REVOKED = "consent.revoked"
    ERASED = "erased"
    TWIN_BUILD = "twin.build"


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
    notice: NotRequired[str]  # a passing trouble: "the language model is busy; trying again"


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
    return f"memorial.{memorial_id}.{audience.value}"


def memorial_audience_groups(
    *, memorial_id: uuid.UUID | str, audiences: Iterable[Audience]
) -> list[str]:
    return [memorial_audience_group(memorial_id=memorial_id, audience=a) for a in audiences]


def _addressed(
    *, memorial_id: uuid.UUID | str, kind: str, data: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The group of the event's declared audience and the layer message (checked first)."""
    declaration = event_declaration(kind=kind, data=data)
    group = memorial_audience_group(memorial_id=memorial_id, audience=declaration.audience)
    return group, {"type": "memorial.event", "kind": declaration.kind.value, "data": dict(data)}


def event_send_on_commit(
    *, memorial_id: uuid.UUID | str, kind: str, data: Mapping[str, Any]
) -> None:
    """Send one event to the sockets of its declared audience once the current transaction
    commits (at once outside a transaction). An undeclared kind or payload raises here, at
    the call. A failed broadcast is logged, not raised: what it reports is already saved."""
    group, message = _addressed(memorial_id=memorial_id, kind=kind, data=data)
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
    `event_send_on_commit`, which checks them against their declaration."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, message)


class SocketClose(enum.IntEnum):
    """Why a memorial socket was closed (websocket close codes; 4000-4999 are ours)."""

    SIGNED_OUT = 4401
    CONSENT_REVOKED = 4403  # a conversation socket whose consent was withdrawn
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
