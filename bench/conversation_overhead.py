"""The conversation's own overhead: from a message arriving on the socket to the first reply
token leaving it, with a zero-latency fake LLM, so all of it is ours.

`bench/conversation_overhead.py [--passages N] [--messages M] [--memories K] [--warmup W]
[--pause S] [--in-process]` (defaults 100,000, 100, 200, 20, 0): a memorial of N synthetic
passages (binary COPY, as `retrieval_latency.py` loads them; HNSW graph built), a family
visitor with K memories, and the real consumer (`legacy.asgi.application` through channels'
WebsocketCommunicator), Redis channel layer and reply pipeline (`reply_write_living` ->
guardrails, retrieval, grounding, the prompt, the stream, each sentence stored and sent
through the channel layer). The reply tasks run in real Celery workers as `make run` starts
them (the replies' queue and worker, and the default queue's for what the visitor shared,
remembered after each reply), or with `--in-process` in a pool of threads of this process
(`task.apply`). With `LEGACY_BENCH_SPANS=DIR` it also prints where the time goes
(`spans.py`). With `LEGACY_BENCH_KEEP=1` the database, and so the memorial, is kept for the
next run. Ends with `overhead_p95_ms <value>`. `--pause S`: S seconds between a reply's end
and the next message (a visitor reads a reply before writing again)."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid

# The text's own path is measured here (speech has bench/voice_overhead.py): replies are not
# spoken, in this process nor in the worker it starts (which inherits the environment).
os.environ.setdefault("LEGACY_SPEAK_REPLIES", "0")

from benchdb import bench_setup
from convbench import (
    bench_queue_own,
    fast_provider_install,
    load_average,
    memorial_with_passages,
    percentile,
    replies_in_pool,
    replies_in_worker,
    visitor_add,
)
from spans import CONSUMER, WORKER, spans_install, spans_report

QUESTIONS = [
    "Do you remember the summer by the sea?",
    "What did you like to cook on Sundays?",
    "Tell me about your first job.",
    "What was your father like?",
    "Which song did you sing to us?",
]


async def measure(
    memorial_id: object,
    cookie: str,
    messages: int,
    windows: list[tuple[float, float]],
    warmup: int,
    pause: float,
) -> list[float]:
    from convbench import conversation_socket

    socket = conversation_socket(memorial_id, cookie)
    connected, _ = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "resume", "after_seq": 0})
    while (await socket.receive_json_from(timeout=10))["type"] != "resumed":
        pass
    timings = []
    for n in range(messages + warmup):  # the first `warmup` are not timed
        text = f"{QUESTIONS[n % len(QUESTIONS)]} ({n})"
        await asyncio.sleep(pause)
        began, began_wall = time.perf_counter(), time.time()
        await socket.send_json_to({"type": "send", "client_id": uuid.uuid4().hex, "text": text})
        first = None
        while True:
            event = await socket.receive_json_from(timeout=30)
            if event["type"] == "token" and first is None:
                first = time.perf_counter() - began
            elif event["type"] == "reply_end":
                assert event["status"] == "complete", event
                break
        assert first is not None, "a reply without a token"
        if n >= warmup:
            timings.append(first * 1000)
            windows.append((began_wall, began_wall + first))
    await socket.disconnect()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--memories", type=int, default=200)
    parser.add_argument(
        "--warmup", type=int, default=20,
        help="messages sent before the timed ones: the bench's Postgres starts with empty "
        "shared buffers, and a run's first searches read the memorial's graph from the disk "
        "cache (~10 messages), which a server that keeps running has in memory",
    )  # fmt: skip
    parser.add_argument(
        "--in-process", action="store_true",
        help="run the reply tasks in a pool of threads of this process instead of a worker",
    )  # fmt: skip
    parser.add_argument(
        "--pause", type=float, default=0.0,
        help="seconds between a reply's end and the next message (0: at once; a visitor "
        "reads a reply first, while the work after it, remembering what they shared, runs)",
    )  # fmt: skip
    args = parser.parse_args()
    if not args.in_process:
        bench_queue_own()
    reused = bench_setup("legacy_bench_conversation")
    fast_provider_install()
    spans_install(CONSUMER + (WORKER if args.in_process else []))
    if args.in_process:
        pool = replies_in_pool()
        stop = lambda: pool.shutdown(wait=True)  # noqa: E731
    else:
        stop = replies_in_worker()
    from corpus.embeddings import embed_query

    memorial = memorial_with_passages(args.passages, reuse=reused)
    _, cookie = visitor_add(memorial, memories=args.memories)
    embed_query("warm the model up")
    where = (
        "a pool of threads in this process (task.apply)"
        if args.in_process
        else "a Celery worker process (threads pool) through the Redis broker"
    )
    print(f"replies: tasks run in {where}; {args.messages} messages "
          f"(load average {load_average()})")  # fmt: skip
    windows: list[tuple[float, float]] = []
    timings = asyncio.run(
        measure(memorial.id, cookie, args.messages, windows, args.warmup, args.pause)
    )
    print(f"passages {args.passages}, memories {args.memories}, messages {len(timings)} "
          f"after {args.warmup} not timed "
          f"(load average {load_average()})")  # fmt: skip
    print(f"p50_ms {statistics.median(timings):.1f}")
    print(f"p95_ms {percentile(timings, 0.95):.1f}")
    spans_report(windows)
    print(f"overhead_p95_ms {percentile(timings, 0.95):.1f}", flush=True)
    stop()


if __name__ == "__main__":
    main()
