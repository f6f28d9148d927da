"""Through a real Celery worker: the visitor's message is answered, and then what they shared
is remembered, with nobody connected."""

from __future__ import annotations

import time

import pytest

from conversations.memories import memories_for_reply
from conversations.models import VisitorMemory
from conversations.services.messages import message_send
from core.consent import ConsentScope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_worker_answers_then_remembers(memorial, family, celery_worker_process):
    message_send(
        memorial_id=memorial.id, visitor=family, client_id="w-1",
        text="Hello Mum. I start the new job at the library on Monday.",
        scope=ConsentScope.CONVERSATION_LIVING,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while not VisitorMemory.objects.filter(memorial=memorial, visitor=family).exists():
        assert time.monotonic() < deadline, "the worker did not remember what was shared"
        time.sleep(0.5)
    [memory] = memories_for_reply(
        memorial_id=memorial.id, visitor_id=family.pk, query="How was the first day at work?"
    )
    assert memory.text == "I start the new job at the library on Monday."
    assert memory.about_date is not None and memory.about_date.weekday() == 0
