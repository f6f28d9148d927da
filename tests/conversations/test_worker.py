"""A reply goes on being written by a real Celery worker after the visitor's socket drops,
and is there, whole, when they come back."""

from __future__ import annotations

import pytest

from tests.conftest import celery_worker_start, celery_worker_stop
from tests.conversations.gated_llm import FIRST_SENTENCE, REPLY
from tests.conversations.test_consumer import opened, say, wait_stored
from tests.memorials.test_consumers import session_cookie_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def held_worker(tmp_path):
    hold = tmp_path / "worker-hold"
    hold.mkdir()
    worker = celery_worker_start(
        env={"LEGACY_TEST_HOLD_DIR": str(hold)}, include="tests.conversations.worker_gate"
    )
    try:
        yield hold
    finally:
        (hold / "release").write_text("go")
        celery_worker_stop(worker)


async def test_a_reply_is_written_and_stored_while_the_socket_is_gone(memorial, held_worker):
    cookie = await session_cookie_for(memorial.subject)
    socket, _ = await opened(memorial.id, cookie)
    await say(socket, "What did you see from the boat?")
    assert (await socket.receive_json_from(timeout=5))["type"] == "ack"
    assert (await socket.receive_json_from(timeout=5))["type"] == "reply_start"
    first = await socket.receive_json_from(timeout=60)  # the worker's first sentence
    assert first["text"] == FIRST_SENTENCE
    # the visitor closes the laptop mid-reply
    await socket.disconnect()
    (held_worker / "release").write_text("go")
    # the worker finishes the reply with nobody listening
    await wait_stored(memorial, 2, "complete", seconds=60)
    # and on return the whole reply is there, once
    back, history = await opened(memorial.id, cookie)
    assert [(m["seq"], m["role"], m["status"], m["text"]) for m in history] == [
        (1, "visitor", "complete", "What did you see from the boat?"),
        (2, "twin", "complete", REPLY),
    ]
    assert await back.receive_nothing(timeout=0.5)
    await back.disconnect()
