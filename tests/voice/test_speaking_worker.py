# ruff: noqa: F811  (the conversation fixtures, imported, are the tests' arguments)
"""Spoken replies through REAL worker processes, as `make run` starts them
(`legacy.runtime.serve`): the reply written by a Celery worker with a pool of threads, and
spoken by the speech worker of its own (threads pool, the speech queue) with the offline
voice (Piper, no test double): the audio reaches the visitor's socket, in order, as MP3
that decodes, and the reply's audio is stored to be played again."""

from __future__ import annotations

import asyncio
import base64
import io
import time
from datetime import timedelta
from types import SimpleNamespace

import av
import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from tests.conftest import celery_worker_start, celery_worker_stop
from tests.conversations.conftest import _media_root, memorial  # noqa: F401  (fixtures)
from tests.conversations.gated_llm import FIRST_SENTENCE, REPLY
from tests.conversations.test_consumer import opened, say
from tests.memorials.test_consumers import session_cookie_for
from voice.models import SpokenReply, SpokenReplyStatus
from voice.speaking import SPEECH_LATE, voice_description
from voice.tasks import voice_reply_speak

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SPEECH_THREADS = 8  # as `make run` (legacy.runtime.serve.SPEECH_THREADS)


@pytest.fixture
def real_workers(tmp_path, settings, _media_root):
    """The replies' worker (threads, the gated test model let go at once) and the speech
    worker (threads, its own queue only), with speech on and the offline voice."""
    hold = tmp_path / "hold"
    hold.mkdir()
    (hold / "release").write_text("go")  # the test model does not hold its reply
    env = {
        "LEGACY_SPEAK_REPLIES": "1",
        "LEGACY_VOICE_PROVIDER": "offline",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LEGACY_TEST_HOLD_DIR": str(hold),
    }
    workers = []
    try:
        workers.append(
            celery_worker_start(
                env=env, include="tests.conversations.worker_gate", pool="threads", concurrency=4
            )
        )
        workers.append(
            celery_worker_start(
                env=env,
                queues=[settings.LEGACY_SPEECH_QUEUE],
                default_queue=False,
                pool="threads",
                concurrency=SPEECH_THREADS,
            )
        )
        yield workers
    finally:
        for worker in workers:
            celery_worker_stop(worker)


def mp3_seconds(audio: bytes) -> float:
    """The length of MP3 `audio`, decoded (raises when it is not audio)."""
    with av.open(io.BytesIO(audio), format="mp3") as container:
        return sum(frame.samples / frame.sample_rate for frame in container.decode(audio=0))


async def reply_and_audio(socket, seq: int, *, seconds: float) -> tuple[dict, list[dict]]:
    end, audio = None, []
    deadline = time.monotonic() + seconds
    while end is None or not (audio and audio[-1]["last"]):
        left = deadline - time.monotonic()
        assert left > 0, f"reply {seq}: end {end is not None}, {len(audio)} audio pieces"
        message = await socket.receive_json_from(timeout=left)
        if message["type"] == "reply_end" and message["seq"] == seq:
            end = message
        elif message["type"] == "audio" and message["seq"] == seq:
            audio.append(message)
    return end, audio


async def test_the_offline_voice_reaches_the_socket_through_the_real_workers(
    memorial, real_workers
):
    socket, _ = await opened(memorial.id, await session_cookie_for(memorial.subject))
    await say(socket, "Do you remember Falmouth?")
    # Piper loads once per process and takes about a second a sentence on a shared CPU
    end, audio = await reply_and_audio(socket, 2, seconds=180)
    assert end["status"] == "complete" and end["text"] == REPLY
    assert [m["index"] for m in audio] == list(range(len(audio)))
    assert [m["last"] for m in audio] == [False] * (len(audio) - 1) + [True]
    assert {m["mime"] for m in audio} == {"audio/mpeg"}
    assert {m["voice_kind"] for m in audio} == {"generic"}
    assert not any("notice" in m for m in audio)  # nothing failed
    pieces = [base64.b64decode(m["audio"]) for m in audio if m["audio"]]
    assert len(pieces) == 3  # the spoken notice, then each of the reply's two sentences
    # each piece is audio on its own, about as long as its words take to say
    notice = voice_description(kind="generic", name="Ann Smith", preview=True)
    for piece, words in zip(
        pieces, [notice, FIRST_SENTENCE, REPLY[len(FIRST_SENTENCE) :]], strict=True
    ):
        assert 0.04 * len(words) < mp3_seconds(piece) < 0.2 * len(words)

    # stored whole for replay, by the speech worker
    for _ in range(300):
        spoken = await database_sync_to_async(
            lambda: SpokenReply.objects.filter(message__seq=2).first()
        )()
        if spoken is not None and spoken.status == SpokenReplyStatus.COMPLETE:
            break
        await asyncio.sleep(0.1)
    assert spoken is not None and spoken.status == SpokenReplyStatus.COMPLETE
    assert (spoken.provider, spoken.mime) == ("offline", "audio/mpeg")
    assert spoken.duration_s and spoken.duration_s > 1

    # a speaking task that waited past its expiry is dropped by the worker: the visitor is
    # told that reply is not spoken (its words stand), as when the voice fails
    voice_reply_speak.apply_async(
        kwargs={"memorial_id": str(memorial.id), "message_id": spoken.message_id,
                "scope": "corpus", "feed": "legacy:speech:test-expired"},
        expires=timezone.now() - timedelta(seconds=1),
    )  # fmt: skip
    late = await socket.receive_json_from(timeout=60)
    assert (late["type"], late["seq"], late["last"], late["audio"]) == ("audio", 2, True, "")
    assert late["notice"] == SPEECH_LATE
    await socket.disconnect()


class _Worker:
    """As Celery's consumer is to `worker_ready`: its app's queues, those it serves."""

    def __init__(self, queues: list[str]) -> None:
        self.app = SimpleNamespace(amqp=SimpleNamespace(queues=SimpleNamespace(
            consume_from={name: object() for name in queues})))  # fmt: skip


def test_the_speech_worker_loads_the_offline_voice_as_it_starts(settings, monkeypatch):
    from voice.providers import offline
    from voice.tasks import _speech_voice_warm

    settings.LEGACY_SPEAK_REPLIES = True
    settings.LEGACY_VOICE_PROVIDER = "offline"
    monkeypatch.setattr(offline, "_piper", None)
    _speech_voice_warm(_Worker([settings.CELERY_TASK_DEFAULT_QUEUE]))
    assert offline._piper is None  # a worker that does not speak loads no voice
    _speech_voice_warm(_Worker([settings.LEGACY_SPEECH_QUEUE]))
    assert offline._piper is not None  # loaded before the worker takes its first reply
