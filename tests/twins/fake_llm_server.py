"""A local fake of Anthropic's Messages API and OpenAI's chat completions, on 127.0.0.1.

Enough of both for the real SDKs to stream a reply, report usage and meet the failures worth
testing. `server.queue(...)` sets how the next requests go, in order, then "ok":

- "ok": a streamed reply of `reply_text`, with usage;
- "429": rate limited, with `retry-after: 0`;
- "500": a server error;
- "529": Anthropic's `overloaded_error` (503 on the OpenAI path);
- "slow": nothing for `slow_seconds`, for a client timeout;
- "cut": half the stream, then the connection closed mid-body;
- "overloaded_midway": half of Anthropic's stream, then an `overloaded_error` event.

Every request's path, headers and JSON body are kept in `server.requests`. `reply_for`, when
set, makes each reply from its request's JSON body instead of `reply_text` (e.g. a JSON
answer that depends on the passages sent). Prompt caching is
simulated: the system blocks up to the last one with `cache_control` are written to the cache
the first time and read from it after. Tokens are counted as words.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def words(text: str) -> int:
    return len(text.split())


class FakeLlmServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.reply_text = "I grew up by the sea, and I never stopped missing it."
        self.reply_for: Callable[[dict[str, Any]], str] | None = None
        self.slow_seconds = 3.0
        self._plan: deque[str] = deque()
        self._cache: set[str] = set()
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up on purpose (a timeout, a cut stream) is expected here."""

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def queue(self, *behaviours: str) -> None:
        self._plan.extend(behaviours)

    def next_behaviour(self) -> str:
        with self._lock:
            return self._plan.popleft() if self._plan else "ok"

    def cache_lookup(self, key: str) -> bool:
        """Whether `key` was cached before; caches it now."""
        with self._lock:
            seen = key in self._cache
            self._cache.add(key)
            return seen

    def start(self) -> FakeLlmServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeLlmServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
        self.server.requests.append(
            {
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        )
        anthropic = self.path.endswith("/v1/messages")
        behaviour = self.server.next_behaviour()
        if behaviour == "slow":
            self.server.stopping.wait(self.server.slow_seconds)
            self.close_connection = True
            return
        if behaviour in {"429", "500", "529"}:
            self._error(int(behaviour), anthropic=anthropic)
            return
        events = self._anthropic_events(body) if anthropic else self._openai_events(body)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        if behaviour in {"cut", "overloaded_midway"}:
            events = events[: len(events) // 2]
        if behaviour == "overloaded_midway":
            error = {
                "type": "error",
                "error": {"type": "overloaded_error", "message": "Overloaded"},
            }
            events.append(f"event: error\ndata: {json.dumps(error)}\n\n")
        for event in events:
            data = event.encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        if behaviour == "cut":
            # Let the client read the first half, then end the body without its closing chunk.
            self.server.stopping.wait(0.2)
            self.close_connection = True
            return
        self.wfile.write(b"0\r\n\r\n")

    def _error(self, status: int, *, anthropic: bool) -> None:
        kinds = {429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}
        if anthropic:
            payload = {"type": "error", "error": {"type": kinds[status], "message": kinds[status]}}
        else:
            status = 503 if status == 529 else status
            payload = {"error": {"message": kinds.get(status, "unavailable"), "type": "error"}}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        if status == 429:
            self.send_header("retry-after", "0")
        self.end_headers()
        self.wfile.write(data)

    def _pieces(self, body: dict[str, Any]) -> list[str]:
        reply = self.server.reply_for(body) if self.server.reply_for else self.server.reply_text
        text = reply.split(" ")
        return [word if n == 0 else " " + word for n, word in enumerate(text)]

    def _anthropic_events(self, body: dict[str, Any]) -> list[str]:
        system = body.get("system") or []
        marked = [n for n, block in enumerate(system) if "cache_control" in block]
        cached = system[: marked[-1] + 1] if marked else []
        prefix_tokens = sum(words(block["text"]) for block in cached)
        read = self.server.cache_lookup(json.dumps(cached)) if cached else False
        rest = system[len(cached) :]
        input_tokens = sum(words(block["text"]) for block in rest) + sum(
            words(message["content"]) for message in body.get("messages", [])
        )
        pieces = self._pieces(body)

        def sse(kind: str, data: dict[str, Any]) -> str:
            return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n"

        usage = {
            "input_tokens": input_tokens,
            "output_tokens": 1,
            "cache_read_input_tokens": prefix_tokens if read else 0,
            "cache_creation_input_tokens": 0 if read else prefix_tokens,
        }
        message = {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": body.get("model"),
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        events = [
            sse("message_start", {"message": message}),
            sse("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}),
        ]
        events += [
            sse("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": p}})
            for p in pieces
        ]
        events += [
            sse("content_block_stop", {"index": 0}),
            sse(
                "message_delta",
                {
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": len(pieces)},
                },
            ),
            sse("message_stop", {}),
        ]
        return events

    def _openai_events(self, body: dict[str, Any]) -> list[str]:
        pieces = self._pieces(body)
        prompt = sum(words(message["content"]) for message in body.get("messages", []))

        def chunk(choices: list[dict[str, Any]], usage: dict[str, Any] | None = None) -> str:
            data = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body.get("model"),
                "choices": choices,
                "usage": usage,
            }
            return f"data: {json.dumps(data)}\n\n"

        events = [
            chunk(
                [{"index": 0, "delta": {"role": "assistant", "content": p}, "finish_reason": None}]
            )
            for p in pieces
        ]
        events.append(chunk([{"index": 0, "delta": {}, "finish_reason": "stop"}]))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {
                "prompt_tokens": prompt,
                "completion_tokens": len(pieces),
                "total_tokens": prompt + len(pieces),
                "prompt_tokens_details": {"cached_tokens": 0},
            }
            events.append(chunk([], usage))
        events.append("data: [DONE]\n\n")
        return events
