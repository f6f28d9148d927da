"""Many visitors at once on one ASGI process: is anything lost, doubled or reordered?

`bench/conversation_load.py [--visitors N] [--messages M] [--passages P]` (defaults 200, 5,
10,000): N family visitors of one memorial of P synthetic passages, each on their own socket
to the real ASGI application in this process (channels' WebsocketCommunicator, Redis channel
layer), all at once, each sending M messages one after the other (the next once the reply
has ended), with the zero-latency fake provider. Around a third of the replies see the
visitor's socket dropped (right after the ack, or after the reply's first token) and a new
one opened after 0-100 ms, resuming by seq as the consumer's protocol says
(`{"type": "resume", "after_seq": n}`, n the last seq up to which everything was whole), and,
as the page does, sending again (same client id) a message whose ack it never saw. The reply
tasks run in a real Celery worker process through the Redis broker (`--in-process`: a pool
of threads in this process through `task.apply`, no broker).

Counted per visitor, against what the socket showed: doubled (a token overlapping text
already shown, a seq acked, started or ended twice on one socket, a history message at or
before `after_seq`), reordered (a token leaving a gap, an ack's seq below one seen), lost
(at the end, any stored message the visitor's view lacks or holds differently, a reply that
never ended). Prints the p95 delay between consecutive tokens of a reply on one socket; ends
with `lost <count>`.

With speech on (`--speech`, or LEGACY_SPEAK_REPLIES=1: the reply worker queues each reply's
speaking task for the speech worker, threads pool, as `make run` starts it, which speaks with
the configured voice: the offline Piper voice without a key), each visitor, once a reply's
text has ended, waits (up to AUDIO_WAIT_S) for that reply's last audio event before sending
the next message, as a listener would. Counted per reply: its audio pieces, whether its
audio ended, whether it ended with a notice (the voice failed); and, from the database, each
reply's stored spoken audio by status. Prints the replies without any audio on their
visitor's sockets (`replies_without_audio <count>`) and the delay from a reply's start to
its first audio on the socket."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

# The text's own path is measured here unless `--speech` (speech's own overhead has
# bench/voice_overhead.py): replies are not spoken, in this process nor in the workers it
# starts (which inherit the environment).
os.environ.setdefault("LEGACY_SPEAK_REPLIES", "0")

from benchdb import bench_setup
from convbench import (
    bench_queue_own,
    conversation_socket,
    fast_provider_install,
    load_average,
    memorial_with_passages,
    percentile,
    replies_in_pool,
    replies_in_worker,
    visitor_add,
)

RECONNECT_SHARE = 0.33
STALL_S = 15
AUDIO_WAIT_S = 180  # with speech on: how long a visitor waits for a reply's audio to end
AUDIO_STALL_S = 60  # ... and for the next audio event before replacing a silent socket


@dataclass
class View:
    """What one visitor's sockets have shown, across reconnects."""

    texts: dict[int, str] = field(default_factory=dict)
    whole: set[int] = field(default_factory=set)  # acked messages and ended replies
    replies: dict[int, int] = field(default_factory=dict)  # visitor seq -> reply seq
    stored_as: dict[str, int] = field(default_factory=dict)  # client id -> seq, as shown
    doubled: int = 0
    reordered: int = 0
    timeouts: int = 0  # sockets that went silent for STALL_S mid-reply
    unfinished: int = 0  # replies not seen whole within 120 s
    reconnects: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # messages the socket refused, why
    gaps: list[float] = field(default_factory=list)
    audio: int = 0  # spoken pieces received (with LEGACY_SPEAK_REPLIES=1)
    audio_doubled: int = 0  # a piece of a reply's audio at or below an index already seen
    audio_skipped: int = 0  # a piece arriving past a gap in its reply's indexes
    audio_pieces: dict[int, int] = field(default_factory=dict)  # reply seq -> pieces with audio
    audio_ended: set[int] = field(default_factory=set)  # replies whose last audio event came
    audio_notices: dict[int, str] = field(default_factory=dict)  # reply seq -> why it stopped
    first_audio: list[float] = field(default_factory=list)  # ms from reply start to 1st audio
    audio_stalls: int = 0  # sockets silent for AUDIO_STALL_S while a reply's audio was awaited

    def after_seq(self) -> int:
        seq = 0
        while seq + 1 in self.whole:
            seq += 1
        return seq


class Connection:
    def __init__(self, view: View, memorial_id: object, cookie: str) -> None:
        self.view = view
        self.socket = conversation_socket(memorial_id, cookie)
        self.acked: set[int] = set()
        self.started: set[int] = set()
        self.ended: set[int] = set()
        self.last_token: dict[int, float] = {}
        self.audio_index: dict[int, int] = {}  # reply seq -> last audio index on this socket
        self.started_at: dict[int, float] = {}  # reply seq -> when its start was seen here
        self.max_ack = 0

    async def open(self) -> None:
        connected, _ = await self.socket.connect(timeout=30)
        assert connected
        after = self.view.after_seq()
        await self.socket.send_json_to({"type": "resume", "after_seq": after})
        while (event := await self.socket.receive_json_from(timeout=30))["type"] != "resumed":
            if event["type"] != "notice":  # the disclosure at a session's start: no message
                self.history(event, after)

    def history(self, event: dict[str, Any], after: int) -> None:
        view, seq = self.view, event["seq"]
        if seq <= after:
            view.doubled += 1
            return
        view.texts[seq] = event["text"]
        if event["role"] == "twin":
            if event["reply_to"] is not None:
                view.replies[event["reply_to"]] = seq
            if event["status"] != "streaming":
                view.whole.add(seq)
                self.ended.add(seq)
            else:
                self.started.add(seq)
        else:
            view.whole.add(seq)
            self.acked.add(seq)
            if event.get("client_id"):
                view.stored_as[event["client_id"]] = seq

    def handle(self, event: dict[str, Any]) -> None:
        view, kind = self.view, event["type"]
        seq = int(event.get("seq") or 0)
        if kind == "error":
            view.errors[event["message"]] = view.errors.get(event["message"], 0) + 1
        elif kind == "message":  # a reply caught up as stored (the socket missed a piece)
            self.history(event, -1)
        elif kind == "ack":
            if seq in self.acked:
                view.doubled += 1
            if seq < self.max_ack:
                view.reordered += 1
            self.max_ack = max(self.max_ack, seq)
            self.acked.add(seq)
            view.texts[seq] = event["text"]
            view.whole.add(seq)
            view.stored_as[event["client_id"]] = seq
        elif kind == "reply_start":
            if seq in self.started or seq in self.ended:
                view.doubled += 1
            self.started.add(seq)
            self.started_at[seq] = time.perf_counter()
            view.replies[event["reply_to"]] = seq
            view.texts.setdefault(seq, "")
        elif kind == "token":
            have = view.texts.get(seq, "")
            if event["offset"] < len(have):
                view.doubled += 1
            elif event["offset"] > len(have):
                view.reordered += 1
            else:
                view.texts[seq] = have + event["text"]
            now = time.perf_counter()
            if seq in self.last_token:
                view.gaps.append((now - self.last_token[seq]) * 1000)
            self.last_token[seq] = now
        elif kind == "audio":  # a socket opened mid-reply may first see any index
            view.audio += 1
            index, before = int(event["index"]), self.audio_index.get(seq)
            if before is not None and index <= before:
                view.audio_doubled += 1
            elif before is not None and index > before + 1:
                view.audio_skipped += 1
            self.audio_index[seq] = max(index, before if before is not None else -1)
            if event["audio"]:
                if not view.audio_pieces.get(seq) and seq in self.started_at:
                    view.first_audio.append((time.perf_counter() - self.started_at[seq]) * 1000)
                view.audio_pieces[seq] = view.audio_pieces.get(seq, 0) + 1
            if event["last"]:
                view.audio_ended.add(seq)
            if event.get("notice"):
                view.audio_notices[seq] = event["notice"]
        elif kind == "reply_end":
            if seq in self.ended:
                view.doubled += 1
            self.ended.add(seq)
            if view.texts.get(seq, "") != event["text"]:
                view.reordered += 1  # what the tokens made differs from the reply as ended
            view.texts[seq] = event["text"]
            view.whole.add(seq)


async def resend_unacknowledged(
    connection: Connection, view: View, message: dict[str, Any]
) -> int | None:
    """On a new socket, as the page does: a message whose ack was never seen (nor the
    message itself in the history just shown) is sent again with its client id; the server
    stores it once. Returns its seq when the history already showed it."""
    seq = view.stored_as.get(message["client_id"])
    if seq is None:
        await connection.socket.send_json_to(message)
    return seq


async def audio_awaited(
    connection: Connection, view: View, reply: int | None, memorial_id: object, cookie: str
) -> Connection:
    """With speech on: listen on until reply `reply`'s audio has ended (its last audio
    event), or AUDIO_WAIT_S. What arrives meanwhile is taken as any event is. A socket
    silent for AUDIO_STALL_S is counted (`audio_stalls`) and replaced (a test socket that
    timed out is closed), as the page's would be. Returns the socket in use."""
    if reply is None:
        return connection
    deadline = time.monotonic() + AUDIO_WAIT_S
    while reply not in view.audio_ended and (left := deadline - time.monotonic()) > 0:
        try:
            event = await connection.socket.receive_json_from(timeout=min(left, AUDIO_STALL_S))
        except TimeoutError:
            view.audio_stalls += 1
            connection = Connection(view, memorial_id, cookie)
            await connection.open()
            continue
        connection.handle(event)
    return connection


async def visitor_run(
    memorial_id: object,
    cookie: str,
    messages: int,
    rng: random.Random,
    view: View,
    *,
    speaking: bool = False,
) -> None:
    connection = Connection(view, memorial_id, cookie)
    await connection.open()
    for n in range(messages):
        client_id = uuid.uuid4().hex
        text = f"Do you remember the sea? ({n})"
        message = {"type": "send", "client_id": client_id, "text": text}
        await connection.socket.send_json_to(message)
        drop = rng.choice(["ack", "token"]) if rng.random() < RECONNECT_SHARE else None
        sent_seq: int | None = None
        deadline = time.monotonic() + 120
        while True:
            if time.monotonic() > deadline:
                view.unfinished += 1
                break
            try:
                event = await connection.socket.receive_json_from(timeout=STALL_S)
            except TimeoutError:  # nothing for STALL_S: counted, then a new socket
                view.timeouts += 1
                connection = Connection(view, memorial_id, cookie)
                await connection.open()
                sent_seq = await resend_unacknowledged(connection, view, message)
                reply = view.replies.get(sent_seq) if sent_seq is not None else None
                if reply is not None and reply in view.whole:
                    break
                continue
            connection.handle(event)
            sent_seq = view.stored_as.get(client_id, sent_seq)
            reply = view.replies.get(sent_seq) if sent_seq is not None else None
            if drop and (
                (drop == "ack" and event["type"] == "ack" and sent_seq is not None)
                or (drop == "token" and event["type"] == "token" and event["seq"] == reply)
            ):
                drop = None
                view.reconnects += 1
                await connection.socket.disconnect(timeout=30)
                await asyncio.sleep(rng.random() * 0.1)
                connection = Connection(view, memorial_id, cookie)
                await connection.open()
                sent_seq = await resend_unacknowledged(connection, view, message)
                reply = view.replies.get(sent_seq) if sent_seq is not None else None
            if reply is not None and reply in view.whole:
                break
        if speaking:
            connection = await audio_awaited(
                connection, view, view.replies.get(sent_seq or -1), memorial_id, cookie
            )
    await connection.socket.disconnect(timeout=30)


def stored(memorial) -> dict[Any, dict[int, tuple[str, str]]]:  # type: ignore[no-untyped-def]
    from conversations.models import Message
    from core.crypto import memorial_cipher

    cipher = memorial_cipher(memorial_id=memorial.id)
    rows: dict[Any, dict[int, tuple[str, str]]] = {}
    for message in Message.objects.filter(conversation__memorial=memorial).select_related(
        "conversation"
    ):
        rows.setdefault(message.conversation.visitor_id, {})[message.seq] = (
            message.status,
            cipher.decrypt_text(bytes(message.text_encrypted)),
        )
    return rows


def audio_report(memorial, views: list[View]) -> None:  # type: ignore[no-untyped-def]
    """Each reply's audio as the sockets showed it, and as stored; ends with
    `replies_without_audio <count>`."""
    from conversations.models import Message
    from voice.models import SpokenReply

    replies = [seq for view in views for seq in sorted(set(view.replies.values()))]
    silent = sum(1 for view in views for seq in set(view.replies.values())
                 if not view.audio_pieces.get(seq))  # fmt: skip
    unended = sum(1 for view in views for seq in set(view.replies.values())
                  if seq not in view.audio_ended)  # fmt: skip
    notices: dict[str, int] = {}
    for view in views:
        for notice in view.audio_notices.values():
            notices[notice] = notices.get(notice, 0) + 1
    twin = Message.objects.filter(conversation__memorial=memorial, role="twin").count()
    spoken: dict[str, int] = {}
    for status in SpokenReply.objects.filter(message__conversation__memorial=memorial).values_list(
        "status", flat=True
    ):
        spoken[status] = spoken.get(status, 0) + 1
    first = [ms for view in views for ms in view.first_audio]
    median = statistics.median(first) if first else float("nan")
    print(f"audio: {len(replies)} replies seen, {sum(v.audio for v in views)} audio events "
          f"({sum(sum(v.audio_pieces.values()) for v in views)} with audio); doubled "
          f"{sum(v.audio_doubled for v in views)}, after a gap on one socket "
          f"{sum(v.audio_skipped for v in views)}; audio not ended within {AUDIO_WAIT_S} s "
          f"{unended}; ended with a notice {sum(notices.values())} {notices or ''}; "
          f"sockets silent {AUDIO_STALL_S} s while awaiting audio "
          f"{sum(v.audio_stalls for v in views)}")  # fmt: skip
    print(f"stored spoken replies by status {spoken} of {twin} replies "
          f"({twin - sum(spoken.values())} with none)")  # fmt: skip
    print(f"first audio after the reply's start: median {median:.0f} ms, "
          f"p95 {percentile(first, 0.95):.0f} ms")  # fmt: skip
    print(f"replies_without_audio {silent}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visitors", type=int, default=200)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--database", default="legacy_bench_load")
    parser.add_argument(
        "--speech", action="store_true",
        help="replies spoken (LEGACY_SPEAK_REPLIES=1): wait for and count each reply's audio",
    )  # fmt: skip
    parser.add_argument(
        "--in-process", action="store_true",
        help="run the reply tasks in a pool of threads of this process instead of a worker",
    )  # fmt: skip
    args = parser.parse_args()
    if args.speech:  # before the settings are read (bench_setup), and the workers inherit it
        os.environ["LEGACY_SPEAK_REPLIES"] = "1"
    speaking = os.environ["LEGACY_SPEAK_REPLIES"] == "1"
    if not args.in_process:
        bench_queue_own()
    bench_setup(args.database)
    fast_provider_install()
    if args.in_process:
        pool = replies_in_pool()
        stop = lambda: pool.shutdown(wait=True)  # noqa: E731
    else:
        stop = replies_in_worker()
    from corpus.embeddings import embed_query

    memorial = memorial_with_passages(args.passages)
    visitors = [visitor_add(memorial) for _ in range(args.visitors)]
    embed_query("warm the model up")
    views = [View() for _ in visitors]
    where = (
        "a pool of threads in this process (task.apply)"
        if args.in_process
        else "a Celery worker process (threads pool) through the Redis broker"
    )
    voice = "spoken by the speech worker" if speaking else "not spoken"
    print(f"{args.visitors} visitors x {args.messages} messages, one ASGI process, Redis channel "
          f"layer; reply tasks in {where}; replies {voice} (load average {load_average()})",
          flush=True)  # fmt: skip
    rng = random.Random(11)

    async def everyone() -> None:
        await asyncio.gather(
            *(
                visitor_run(
                    memorial.id,
                    cookie,
                    args.messages,
                    random.Random(rng.random()),
                    view,
                    speaking=speaking,
                )
                for (_, cookie), view in zip(visitors, views, strict=True)
            )
        )

    began = time.perf_counter()
    try:
        asyncio.run(everyone())
    finally:  # the worker processes never outlive the bench
        elapsed = time.perf_counter() - began
        stop()
    rows = stored(memorial)
    lost = 0
    for (visitor, _), view in zip(visitors, views, strict=True):
        mine = rows.get(visitor.pk, {})
        lost += view.unfinished
        for seq, (_status, text) in mine.items():
            if view.texts.get(seq) != text or seq not in view.whole:
                lost += 1
        if len(mine) != 2 * args.messages:
            print(f"  visitor {visitor.pk}: {len(mine)} stored messages", flush=True)
    statuses: dict[str, int] = {}
    for messages in rows.values():
        for status, _ in messages.values():
            statuses[status] = statuses.get(status, 0) + 1
    gaps = [gap for view in views for gap in view.gaps]
    print(f"done in {elapsed:.1f} s; stored messages by status {statuses}; reconnects "
          f"{sum(v.reconnects for v in views)}; stalled sockets "
          f"{sum(v.timeouts for v in views)}, unfinished replies "
          f"{sum(v.unfinished for v in views)} "
          f"(load average {load_average()})")  # fmt: skip
    median = statistics.median(gaps) if gaps else float("nan")
    print(f"token gaps: {len(gaps)} (a one-sentence reply is one piece), median {median:.1f} ms, "
          f"p95 {percentile(gaps, 0.95):.1f} ms")  # fmt: skip
    print(f"token_gap_p95_ms {percentile(gaps, 0.95):.1f}")
    refused: dict[str, int] = {}
    for view in views:
        for why, count in view.errors.items():
            refused[why] = refused.get(why, 0) + count
    print(f"messages refused by the socket: {refused or 'none'}")
    if speaking:
        audio_report(memorial, views)
    print(f"doubled {sum(v.doubled for v in views)}")
    print(f"reordered {sum(v.reordered for v in views)}")
    print(f"lost {lost}")


if __name__ == "__main__":
    main()
