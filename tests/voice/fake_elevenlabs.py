"""A local stand-in for the ElevenLabs API, for the real `elevenlabs` SDK to talk to.

A threaded HTTP server on 127.0.0.1 implementing only what Legacy calls: instant voice
clones (POST /v1/voices/add), deleting a voice (DELETE /v1/voices/<id>), streaming speech
(POST /v1/text-to-speech/<id>/stream) and speech-to-text (POST /v1/speech-to-text). It
records every request, and can be told to fail the next calls (`fail_next`), to cut a speech
stream part way (`cut_stream`), or to hold a stream after its first piece until released
(`hold_stream`), so a test can see pieces arrive one by one without timing anything.

Use the `fake_elevenlabs` fixture below (import it into a test module): it starts the server
and points the settings at it, with the elevenlabs provider chosen."""

from __future__ import annotations

import email.parser
import email.policy
import io
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import av
import numpy as np
import pytest

GOOD_KEY = "test-elevenlabs-key"


def tone_mp3(seconds: float = 0.5, *, frequency: float = 220.0, rate: int = 44100) -> bytes:
    """A real MP3 (a sine tone), so what comes out of the stream can be decoded."""
    out = io.BytesIO()
    with av.open(out, "w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=rate)
        stream.layout = "mono"
        samples = np.arange(int(seconds * rate))
        wave = (0.3 * np.sin(2 * np.pi * frequency * samples / rate)).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(wave.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    fields: dict[str, Any] = field(default_factory=dict)  # form fields or JSON body
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # (field, name, bytes)


class FakeElevenLabs:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.voices: set[str] = set()
        self.transcript = "I agree that Legacy may copy my voice."
        self.audio = tone_mp3()
        self.pieces = 4  # the audio is sent in this many pieces
        self.cut_stream = False  # send the first piece, then drop the connection
        self.hold_stream = threading.Event()  # set: streams flow freely
        self.hold_stream.set()
        self.stream_finished = threading.Event()
        self._failures: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        self._count = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeElevenLabs:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.hold_stream.set()
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, status: int, *, times: int = 1, message: str = "fake failure") -> None:
        """The next `times` requests are answered with `status`."""
        self._failures.extend([(status, message)] * times)

    def seen(self, method: str, pattern: str = "") -> list[Request]:
        return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]

    def next_voice_id(self) -> str:
        with self._lock:
            self._count += 1
            return f"fake-voice-{self._count}"

    def take_failure(self) -> tuple[int, str] | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None


def _handler_for(fake: FakeElevenLabs) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # each piece leaves at once, as a real server's would

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _record(self) -> Request:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path, _, query = self.path.partition("?")
            request = Request(
                method=self.command,
                path=path,
                query=query,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            content_type = self.headers.get("Content-Type", "")
            if content_type.startswith("multipart/form-data"):
                message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                    f"Content-Type: {content_type}\r\n\r\n".encode() + body
                )
                for part in message.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    payload = part.get_payload(decode=True) or b""
                    if part.get_filename():
                        request.files.append((str(name), part.get_filename(), payload))
                    else:
                        request.fields[str(name)] = payload.decode()
            elif content_type.startswith("application/json") and body:
                request.fields = json.loads(body)
            fake.requests.append(request)
            return request

        def _json(self, status: int, data: Any) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _answer(self) -> None:
            request = self._record()
            if request.headers.get("xi-api-key") != GOOD_KEY:
                self._json(401, {"detail": {"status": "invalid_api_key", "message": "bad key"}})
                return
            if failure := fake.take_failure():
                status, message = failure
                self._json(status, {"detail": {"status": "fake", "message": message}})
                return
            path = request.path
            if self.command == "POST" and path == "/v1/voices/add":
                voice_id = fake.next_voice_id()
                fake.voices.add(voice_id)
                self._json(200, {"voice_id": voice_id, "requires_verification": False})
            elif self.command == "DELETE" and path.startswith("/v1/voices/"):
                voice_id = path.rsplit("/", 1)[1]
                if voice_id in fake.voices:
                    fake.voices.discard(voice_id)
                    self._json(200, {"status": "ok"})
                else:
                    self._json(404, {"detail": {"status": "voice_not_found", "message": "gone"}})
            elif self.command == "POST" and re.fullmatch(r"/v1/text-to-speech/[^/]+/stream", path):
                self._stream()
            elif self.command == "POST" and path == "/v1/speech-to-text":
                self._json(
                    200,
                    {
                        "language_code": "en",
                        "language_probability": 0.99,
                        "text": fake.transcript,
                        "words": [],
                    },
                )
            else:
                self._json(404, {"detail": "not in the fake"})

        def _stream(self) -> None:
            audio = fake.audio
            size = -(-len(audio) // fake.pieces)
            pieces = [audio[i : i + size] for i in range(0, len(audio), size)]
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for number, piece in enumerate(pieces):
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.flush()
                if number == 0 and fake.cut_stream:
                    self.close_connection = True
                    return  # no closing chunk: the client sees the body cut short
                if number == 0:
                    fake.hold_stream.wait(timeout=10)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            fake.stream_finished.set()

        do_GET = do_POST = do_DELETE = _answer

    return Handler


@pytest.fixture
def fake_elevenlabs(settings):
    fake = FakeElevenLabs().start()
    settings.LEGACY_VOICE_PROVIDER = "elevenlabs"
    settings.ELEVENLABS_API_KEY = GOOD_KEY
    settings.ELEVENLABS_BASE_URL = fake.url
    yield fake
    fake.stop()
