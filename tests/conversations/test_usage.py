"""Usage per visitor and month: counted exactly under concurrency, from the replies' LLM
calls and the sockets' time, and shown to the subject and stewards as totals only."""

from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.urls import reverse

from conversations import consumers
from conversations.models import Message, UsageMonth
from conversations.selectors import usage_totals
from conversations.services.messages import message_send
from conversations.services.reply_writing import reply_generate
from conversations.services.usage import IDLE_GRACE, usage_add
from conversations.tasks import REPLY_TASKS
from core.consent import ConsentScope
from memorials.models import Role
from tests.conversations.test_consumer import opened
from tests.memorials.factories import MembershipFactory
from tests.memorials.test_consumers import session_cookie_for

THREADS = 20


def test_twenty_threads_counting_at_once_lose_nothing(memorial, family):
    # given: 20 workers, each counting 5 replies of the same visitor in the same month
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def count() -> None:
        try:
            start.wait()
            for _ in range(5):
                usage_add(
                    memorial_id=memorial.id, visitor_id=family.pk, messages=1,
                    input_tokens=100, output_tokens=7, cache_read_tokens=3, seconds=2,
                )  # fmt: skip
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=count) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: one row, every count in it
    assert errors == []
    row = UsageMonth.objects.get(memorial=memorial, visitor=family)
    assert (row.messages, row.input_tokens, row.output_tokens) == (100, 10_000, 700)
    assert (row.cache_read_tokens, row.seconds) == (300, 200)


def test_a_month_of_its_own_and_totals_over_visitors(memorial, family):
    other = MembershipFactory(memorial=memorial, role=Role.FAMILY).user
    usage_add(memorial_id=memorial.id, visitor_id=family.pk, messages=2, day=date(2026, 11, 3))
    usage_add(memorial_id=memorial.id, visitor_id=family.pk, messages=1, day=date(2026, 12, 1))
    usage_add(memorial_id=memorial.id, visitor_id=other.pk, messages=4, day=date(2026, 11, 30))

    november = usage_totals(memorial_id=memorial.id, day=date(2026, 11, 15))

    assert (november.visitors, november.messages) == (2, 6)
    assert usage_totals(memorial_id=memorial.id, day=date(2026, 12, 2)).messages == 1


def test_a_reply_counts_one_message_and_its_tokens(
    memorial, family, fake_llm, settings, monkeypatch
):
    settings.LEGACY_LLM_PROVIDER = "anthropic"
    for task in REPLY_TASKS.values():
        monkeypatch.setattr(task, "enqueue", lambda **kwargs: None)
    scope = ConsentScope.CONVERSATION_LIVING
    sent = message_send(
        memorial_id=memorial.id, visitor=family, client_id=uuid.uuid4().hex,
        text="Hello, how are you?", scope=scope,
    )  # fmt: skip
    reply = Message.objects.get(conversation__visitor=family, reply_to__seq=sent.seq)

    reply_generate(memorial_id=memorial.id, message_id=reply.pk, scope=scope)

    row = UsageMonth.objects.get(memorial=memorial, visitor=family)
    assert row.messages == 1
    assert row.input_tokens > 0 and row.output_tokens > 0


def test_the_subject_sees_totals_and_a_family_member_none(client, memorial, family):
    usage_add(memorial_id=memorial.id, visitor_id=family.pk, messages=3, seconds=600)
    url = reverse("memorials:detail", args=[memorial.id])

    client.force_login(memorial.subject)
    subject_page = client.get(url).content.decode()
    client.force_login(family)
    family_page = client.get(url).content.decode()

    assert "This month: 3 messages answered" in subject_page
    assert "10 minutes of conversation" in subject_page
    assert family.email not in subject_page
    assert "This month:" not in family_page


class Clock:
    """Stands in for `time` in the consumer: each reading is the next of `readings`."""

    def __init__(self, *readings: float) -> None:
        self.readings = list(readings)

    def monotonic(self) -> float:
        return self.readings.pop(0) if len(self.readings) > 1 else self.readings[0]


@pytest.mark.django_db(transaction=True)
async def test_a_socket_counts_its_time_up_to_its_last_message_and_a_grace(
    memorial, family, monkeypatch
):
    # given: opened at 1000 s, its last message (the resume) at 1030 s, closed at 5000 s
    monkeypatch.setattr(consumers, "time", Clock(1000.0, 1030.0, 5000.0))
    socket, _ = await opened(memorial.id, await session_cookie_for(family))

    # when
    await socket.disconnect()

    # then: 30 s of talk and the grace for reading the last reply, not the hour idle after
    row = await database_sync_to_async(UsageMonth.objects.get)(memorial=memorial, visitor=family)
    assert row.seconds == 30 + IDLE_GRACE and row.messages == 0
