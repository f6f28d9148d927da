"""A visitor's memories, kept decrypted in the worker between their messages, are dropped
there as soon as they are deleted or erased (conversations.forgetting), not only when the
visit goes idle."""

from __future__ import annotations

import os
import time

import pytest

from conversations import forgetting
from conversations.holders import _memories_erase
from conversations.memories import _kept, memories_for_reply
from conversations.models import Message, MessageStatus, VisitorMemory
from conversations.services.memories import memory_delete
from conversations.services.messages import message_send
from core.consent import ConsentScope
from legacy.celery import app as celery_app
from memorials.models import Role
from tests.conftest import celery_worker_start, celery_worker_stop
from tests.conversations.memory_helpers import told
from tests.memorials.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_deleting_a_memory_drops_the_visitors_decrypted_memories_here_and_tells_workers(
    memorial, family, monkeypatch
):
    other = MembershipFactory(memorial=memorial, role=Role.FAMILY).user
    assert told(memorial, family, "I start the new job at the library on Monday.") == 1
    assert told(memorial, other, "My dog is called Biscuit, he is three.") >= 1
    memory = VisitorMemory.objects.get(memorial=memorial, visitor=family)
    for visitor in (family, other):
        memories_for_reply(memorial_id=memorial.id, visitor_id=visitor.pk, query="work")
    assert (str(memorial.id), str(family.pk)) in _kept
    broadcast: list[dict] = []
    monkeypatch.setattr(forgetting, "_broadcast", broadcast.append)

    memory_delete(memorial_id=memorial.id, visitor=family, memory_id=memory.pk)

    assert (str(memorial.id), str(family.pk)) not in _kept
    assert (str(memorial.id), str(other.pk)) in _kept  # another visitor's are not touched
    assert broadcast == [{"memorial_id": str(memorial.id), "visitor_id": str(family.pk)}]


@pytest.mark.slow
def test_a_worker_forgets_the_memories_it_kept_when_they_are_erased(memorial, family):
    worker = celery_worker_start(pool="threads", concurrency=2)  # as `make run` runs replies
    try:
        ask(memorial, family, "w-1", "How did the first day at work go?")
        assert forgot(memorial.id) == ["forgot 1"]  # the reply's worker had kept them
        ask(memorial, family, "w-2", "Do you remember the library?")

        _memories_erase(memorial.id)  # the kill switch's step for memories

        assert forgot(memorial.id) == ["forgot 0"]  # already dropped by the erasure's word
    finally:
        celery_worker_stop(worker)


def ask(memorial, visitor, client_id: str, text: str) -> None:  # type: ignore[no-untyped-def]
    """A message answered by the worker (its reply complete)."""
    message_send(
        memorial_id=memorial.id, visitor=visitor, client_id=client_id, text=text,
        scope=ConsentScope.CONVERSATION_LIVING,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while not Message.objects.filter(
        conversation__memorial=memorial, role="twin", status=MessageStatus.COMPLETE
    ).count() >= int(client_id.split("-")[1]):
        assert time.monotonic() < deadline, "the worker did not answer"
        time.sleep(0.2)


def forgot(memorial_id) -> list[str]:  # type: ignore[no-untyped-def]
    """What this run's workers answer when asked to forget the memorial's memories."""
    replies = celery_app.control.broadcast(
        forgetting.COMMAND, arguments={"memorial_id": str(memorial_id), "visitor_id": None},
        reply=True, timeout=5,
    )  # fmt: skip
    ours = f"test-{os.getpid()}-"
    return [r["ok"] for reply in replies for name, r in reply.items() if name.startswith(ours)]
