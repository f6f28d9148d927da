"""Quota enforcement through the conversation consumer (the kind word at the end of the
reply that uses the last message, then the kind refusal, stored), and exact counting under
50 conversations at once through the real reply path."""

from __future__ import annotations

import threading
import uuid
from types import SimpleNamespace

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.db.models import Sum

from conversations.allowances import LAST_MESSAGE_NOTICE
from conversations.models import Message, MessageRole, MessageStatus, UsageMonth
from conversations.services import reply_writing
from conversations.services.messages import message_send
from conversations.tasks import REPLY_TASKS
from core.allowances import AllowanceKind, allowance_check
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from memorials.models import Role
from tests.billing.factories import plan_with, subscribe
from tests.consent.factories import grant_consent
from tests.conversations.test_consumer import opened, say
from tests.memorials.factories import MembershipFactory
from tests.memorials.test_consumers import session_cookie_for

CONVERSATIONS = 50
QUOTA = 30


@pytest.fixture
def quick_replies(monkeypatch):
    """Each reply one sentence, without the LLM or the embedder (see `_Stream`)."""
    monkeypatch.setattr(reply_writing, "reply_stream", lambda **kwargs: _Stream())
    monkeypatch.setattr(
        reply_writing, "outbound_guard_for", lambda **kwargs: SimpleNamespace(
            checked=lambda chunks: chunks, concern=""
        )
    )  # fmt: skip


async def reply_end(socket, seq: int) -> dict:
    while True:
        message = await socket.receive_json_from(timeout=60)
        if message["type"] == "reply_end" and message["seq"] == seq:
            return message


@pytest.mark.django_db(transaction=True)
async def test_at_the_limit_the_reply_ends_whole_with_a_kind_word_then_the_twin_pauses(
    memorial, family, replies_in_threads, quick_replies
):
    # given: a plan with two family messages a month
    await database_sync_to_async(lambda: subscribe(memorial, plan_with("two", family_messages=2)))()
    socket, _ = await opened(memorial.id, await session_cookie_for(family))

    # when: three messages, one after another
    ends = []
    for seq, text in ((2, "How was the garden?"), (4, "And the roses?"), (6, "One more?")):
        await say(socket, text)
        ends.append(await reply_end(socket, seq))

    # then: the first reply as usual; the second whole, the kind word after it; the third
    # the plan's explanation, the visitor's message kept
    assert ends[0]["status"] == "complete" and LAST_MESSAGE_NOTICE not in ends[0]["notice"]
    assert ends[1]["status"] == "complete" and ends[1]["text"]
    assert ends[1]["notice"].endswith(LAST_MESSAGE_NOTICE)
    assert ends[2]["text"].startswith("This month's allowance of 2 family messages has been used")
    assert "starts again on" in ends[2]["text"]
    stored = await database_sync_to_async(
        lambda: list(
            Message.objects.filter(conversation__memorial=memorial).values_list("seq", "role")
        )
    )()
    assert sorted(stored) == [(1, "visitor"), (2, "twin"), (3, "visitor"), (4, "twin"),
                              (5, "visitor"), (6, "twin")]  # fmt: skip
    used = await database_sync_to_async(
        lambda: UsageMonth.objects.get(memorial=memorial, visitor=family).messages
    )()
    assert used == 2  # the refusal is not counted
    await socket.disconnect()


class _Stream:
    """A reply's stream that says one sentence (no LLM), so fifty run at once on a small
    machine; everything after it (the guard, storing, counting, the check) is the real one."""

    def __init__(self) -> None:
        self.chunks = iter(["Thank you for asking. "])
        self.passages, self.memories, self.reply = [], [], None
        self.abstained, self.failed, self.register = False, False, ""
        self.concern, self.label, self.notice = "", "test", ""


@pytest.mark.django_db(transaction=True)
def test_fifty_conversations_at_once_write_exactly_the_quota_and_count_it_exactly(
    memorial, monkeypatch, quick_replies
):
    # given: a plan of 30 family messages, and fifty family members each with a reply queued
    subscribe(memorial, plan_with("thirty", family_messages=QUOTA))
    for task in REPLY_TASKS.values():
        monkeypatch.setattr(task, "enqueue", lambda **kwargs: None)
    scope = ConsentScope.CONVERSATION_LIVING
    grant_consent(memorial, scope)
    replies = []
    for _ in range(CONVERSATIONS):
        visitor = MembershipFactory(memorial=memorial, role=Role.FAMILY).user
        sent = message_send(
            memorial_id=memorial.id, visitor=visitor, client_id=uuid.uuid4().hex,
            text="Are you there?", scope=scope,
        )  # fmt: skip
        replies.append(Message.objects.get(conversation__visitor=visitor, reply_to__seq=sent.seq))

    # when: every reply is written at once
    start = threading.Barrier(CONVERSATIONS)
    errors: list[BaseException] = []

    def write(reply: Message) -> None:
        try:
            start.wait()
            reply_writing.reply_generate(memorial_id=memorial.id, message_id=reply.pk, scope=scope)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(reply,)) for reply in replies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then: exactly the quota written and counted; the rest refused kindly, none lost
    assert errors == []
    twin = Message.objects.filter(conversation__memorial=memorial, role=MessageRole.TWIN)
    assert twin.filter(status=MessageStatus.STREAMING).count() == 0
    written = twin.filter(abstained=False)
    assert written.count() == QUOTA
    cipher = memorial_cipher(memorial_id=memorial.id)
    refused = [cipher.decrypt_text(bytes(m.text_encrypted)) for m in twin.filter(abstained=True)]
    assert len(refused) == CONVERSATIONS - QUOTA
    assert all(text.startswith("This month's allowance") for text in refused)
    counted = UsageMonth.objects.filter(memorial=memorial).aggregate(total=Sum("messages"))
    assert counted["total"] == QUOTA
    now = allowance_check(memorial_id=memorial.id, kind=AllowanceKind.FAMILY_MESSAGES)
    assert (now.used, now.left, now.allowed) == (QUOTA, 0, False)
