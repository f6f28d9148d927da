"""Fixtures for the conversation tests: a memorial whose subject consented to their writing,
a family member allowed to talk (the living subject opened it to family), replies written in
threads (as a worker would) or by a real worker, and a provider that holds a reply
mid-stream."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.db import connection

from conversations.tasks import REPLY_TASKS
from core.consent import ConsentScope
from legacy.asgi import application
from memorials.models import Role
from memorials.opening import memorial_open_while_living
from memorials.wishes import wishes_update
from tests.consent.factories import grant_consent
from tests.conversations.gated_llm import GatedLlmProvider
from tests.memorials.factories import MembershipFactory, MemorialFactory
from tests.twins.conftest import fake_llm  # noqa: F401  (a fixture: the fake LLM server)
from twins.services import llm


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))


@pytest.fixture
def memorial(transactional_db):
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, ConsentScope.CORPUS)
    return memorial


@pytest.fixture
def family(memorial):
    """A family member of an active memorial whose living subject opened it to family, with
    the living-conversation consent."""
    membership = MembershipFactory(memorial=memorial, role=Role.FAMILY)
    wishes_update(
        memorial=memorial, actor=memorial.subject, visitors="all_family", named_visitors=[],
        forbidden_topics=[], talk_while_living=True, sunset="none", sunset_years=None,
        sunset_on=None, ending="archive",
    )  # fmt: skip
    grant_consent(memorial, ConsentScope.CONVERSATION_LIVING)
    memorial_open_while_living(memorial=memorial, actor=memorial.subject)
    return membership.user


@pytest.fixture
def replies_in_threads(monkeypatch) -> Iterator[list[threading.Thread]]:
    """Each reply queued is written at once in a thread of this process, through the task
    itself (its consent checks included), as a worker would write it beside the socket."""
    threads: list[threading.Thread] = []

    def runner(task) -> Callable[..., None]:  # type: ignore[no-untyped-def]
        def apply_async(
            kwargs: dict[str, Any] | None = None, task_id: str | None = None, **_: Any
        ) -> None:
            def run() -> None:
                try:
                    task.apply(kwargs=kwargs, task_id=task_id)
                finally:
                    connection.close()

            thread = threading.Thread(target=run, daemon=True)
            thread.start()
            threads.append(thread)

        return apply_async

    for task in REPLY_TASKS.values():
        monkeypatch.setattr(task, "apply_async", runner(task))
    yield threads
    for thread in threads:
        thread.join(timeout=60)


class Gate:
    def __init__(self, hold_dir: Path) -> None:
        self.dir = hold_dir

    def first_word_out(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while not (self.dir / "first").exists():
            assert time.monotonic() < deadline, "the reply's first sentence never came"
            time.sleep(0.02)

    def release(self) -> None:
        (self.dir / "release").write_text("go")


@pytest.fixture
def gate(tmp_path, monkeypatch, replies_in_threads) -> Iterator[Gate]:
    """Replies come from the gated test provider: held after their first sentence until
    `gate.release()` (released at the end in any case)."""
    hold = tmp_path / "hold"
    hold.mkdir()
    monkeypatch.setattr(llm, "llm_provider", lambda name=None: GatedLlmProvider(hold))
    gate = Gate(hold)
    yield gate
    gate.release()


def conversation_socket(memorial_id, cookie: str | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, f"/ws/memorials/{memorial_id}/conversation/", headers)
