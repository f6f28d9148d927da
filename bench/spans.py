"""Timing spans for the conversation benches, across the bench's process and its worker's:
with `LEGACY_BENCH_SPANS=DIR`, `spans_install()` wraps named functions so that each call
appends `name start end` (wall clock, seconds) to `DIR/<pid>.spans`. The bench then cuts
the spans by message (each message's window runs from its send to its reply's end; replies
go one at a time) and prints the median time per span. Diagnostics only: nothing here
changes what the wrapped functions do."""

from __future__ import annotations

import functools
import importlib
import os
import statistics
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

_lock = threading.Lock()

# (module, attribute) wrapped where it is looked up at call time.
CONSUMER = [
    ("conversations.consumers", "_take"),
    ("conversations.consumers", "conversation_access"),
    ("conversations.consumers", "conversation_time_check"),
    ("conversations.consumers", "message_send"),
    ("conversations.consumers", "reliance_note"),
    ("core.events", "layer_group_send"),
    ("conversations.services.messages", "_conversation_locked"),
    ("conversations.services.messages", "_reply_begin"),
    ("conversations.services.messages", "event_send_on_commit"),
    ("conversations.services.messages", "memorial_cipher"),
    ("core.tasks", "consent_gate"),
    ("celery.app.task:Task", "apply_async"),
    ("core.tasks:MemorialTask", "enqueue"),
]
WORKER = [
    ("conversations.tasks", "_reply_write"),
    ("core.tasks", "memorial_erased"),
    ("consent.gate", "consent_start"),
    ("conversations.services.reply_writing", "reply_get"),
    ("conversations.services.reply_writing", "reply_speech_begin"),
    ("conversations.services.reply_writing", "reply_stream"),
    ("conversations.services.reply_writing", "outbound_guard_for"),
    ("conversations.services.reply_writing", "_chunk_store"),
    ("conversations.services.reply_writing", "memorial_step"),
    ("conversations.replies", "wishes_get"),
    ("conversations.replies", "embed_query"),
    ("conversations.replies", "turn_guard"),
    ("conversations.replies", "visitor_register"),
    ("conversations.replies", "memories_for_reply"),
    ("conversations.replies", "_recent_turns"),
    ("conversations.replies", "twin_reply"),
    ("twins.replies", "twin_evidence"),
    ("twins.replies", "twin_serving"),
    ("twins.replies", "passage_retrieve"),
    ("corpus.retrieval", "consent_check"),
    ("corpus.retrieval", "_semantic_ranking"),
    ("corpus.retrieval", "text_tokens"),
    ("corpus.retrieval", "_keyword_ranking"),
    ("corpus.retrieval", "_neighbours_lend"),
    ("twins.replies", "passages_for_visitor"),
    ("twins.replies", "document_people"),
    ("twins.replies", "support_judge"),
    ("conversations.tasks", "memories_remember"),
]


def _write(name: str, start: float, end: float) -> None:
    directory = os.environ["LEGACY_BENCH_SPANS"]
    with _lock, open(Path(directory) / f"{os.getpid()}.spans", "a") as out:
        out.write(f"{name} {start:.6f} {end:.6f}\n")


def span_note(name: str, start: float, end: float | None = None) -> None:
    if os.environ.get("LEGACY_BENCH_SPANS"):
        _write(name, start, time.time() if end is None else end)


def _wrapped(name: str, fn: Any) -> Any:
    if getattr(fn, "__wrapped_span__", False):
        return fn
    if hasattr(fn, "__enter__") or name.endswith("memorial_step"):  # a context manager

        @functools.wraps(fn)
        def cm(*args: Any, **kwargs: Any) -> Any:
            import contextlib

            @contextlib.contextmanager
            def timed() -> Any:
                start = time.time()
                with fn(*args, **kwargs):
                    yield
                _write(name, start, time.time())

            return timed()

        cm.__wrapped_span__ = True  # type: ignore[attr-defined]
        return cm

    @functools.wraps(fn)
    def timed_call(*args: Any, **kwargs: Any) -> Any:
        start = time.time()
        try:
            return fn(*args, **kwargs)
        finally:
            _write(name, start, time.time())

    timed_call.__wrapped_span__ = True  # type: ignore[attr-defined]
    return timed_call


def spans_install(targets: list[tuple[str, str]]) -> None:
    if not os.environ.get("LEGACY_BENCH_SPANS"):
        return
    for module_name, attribute in targets:
        module_name, _, class_name = module_name.partition(":")
        owner: Any = importlib.import_module(module_name)
        if class_name:
            owner = getattr(owner, class_name)
        fn = getattr(owner, attribute)
        label = class_name or module_name.split(".")[-1]
        setattr(owner, attribute, _wrapped(f"{label}.{attribute}", fn))


def spans_report(windows: list[tuple[float, float]]) -> None:
    """Median per message of each span's total time inside the message's window."""
    directory = os.environ.get("LEGACY_BENCH_SPANS")
    if not directory:
        return
    spans: list[tuple[str, float, float]] = []
    for path in Path(directory).glob("*.spans"):
        for line in path.read_text().splitlines():
            label, started, finished = line.split()
            spans.append((label, float(started), float(finished)))
    per: dict[str, list[float]] = defaultdict(list)
    for began, ended in windows:
        totals: dict[str, float] = defaultdict(float)
        firsts: dict[str, float] = {}
        for name, start, end in spans:
            if began <= start < ended:
                totals[name] += end - start
                firsts[name] = min(firsts.get(name, end), start)
        for name, total in totals.items():
            per[name].append(total * 1000)
            per[f"  (start after send) {name}"].append((firsts[name] - began) * 1000)
    print("spans (median ms per message; 'start after send': when it first began):")
    for name in sorted(per, key=lambda n: (n.startswith(" "), n)):
        values = per[name]
        print(f"  {name:60s} {statistics.median(values):7.1f}  (n={len(values)})")
