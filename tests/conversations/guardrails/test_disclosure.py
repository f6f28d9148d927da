"""The disclosure notice: at a session's start, not on every reconnect, and again after
three hours of use, with time moved forward (django.utils.timezone.now, so the messages'
own times move with it)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse
from django.utils import timezone

from conversations.guardrails.disclosure import (
    REPEAT_AFTER,
    SESSION_GAP,
    disclosure_due,
    disclosure_line,
    disclosure_may_be_due,
)
from conversations.models import Conversation
from tests.conversations.conftest import conversation_socket
from tests.conversations.guardrails.scripted_llm import twin_says
from tests.conversations.test_consumer import say, until_reply_end
from tests.memorials.test_consumers import session_cookie_for


class Clock:
    """Moves `timezone.now` forward for everything in this process."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta()
        real_now = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: real_now() + self.offset)

    def forward(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


def test_due_when_never_given_or_after_a_gap_or_three_hours_of_use():
    now = timezone.now()
    assert disclosure_due(disclosed_at=None, active_at=None, now=now)
    # within a session: not due
    assert not disclosure_due(
        disclosed_at=now - timedelta(hours=1), active_at=now - timedelta(minutes=5), now=now
    )
    # a new session: the last activity longer ago than the gap
    assert disclosure_due(
        disclosed_at=now - timedelta(hours=1), active_at=now - SESSION_GAP * 2, now=now
    )
    # three hours of use since the last notice, the conversation active all along
    assert disclosure_due(
        disclosed_at=now - REPEAT_AFTER, active_at=now - timedelta(minutes=1), now=now
    )
    assert not disclosure_due(
        disclosed_at=now - REPEAT_AFTER + timedelta(minutes=1),
        active_at=now - timedelta(minutes=1),
        now=now,
    )


def test_a_socket_asks_the_database_only_when_the_notice_may_be_due():
    now = timezone.now()
    recent = now - timedelta(minutes=5)
    assert not disclosure_may_be_due(disclosed_at=recent, seen_at=recent, now=now)
    assert disclosure_may_be_due(disclosed_at=None, seen_at=recent, now=now)
    assert disclosure_may_be_due(disclosed_at=now - REPEAT_AFTER, seen_at=recent, now=now)
    assert disclosure_may_be_due(disclosed_at=recent, seen_at=now - SESSION_GAP * 2, now=now)


def test_the_page_line_names_the_person_and_says_it_is_not_them():
    assert disclosure_line(name="Ann Smith") == (
        "You are talking with an AI made from Ann Smith's own words. It is not Ann Smith."
    )
    assert "your own words" in disclosure_line(name="Ann Smith", preview=True)


# --- through the socket ---------------------------------------------------------------------


async def resumed(memorial_id, cookie: str) -> tuple[object, list[dict]]:
    """A socket opened and resumed; the notices it got on the way (before `resumed`)."""
    socket = conversation_socket(memorial_id, cookie)
    assert (await socket.connect())[0]
    await socket.send_json_to({"type": "resume", "after_seq": 0})
    notices = []
    while (message := await socket.receive_json_from(timeout=5))["type"] != "resumed":
        if message["type"] == "notice":
            notices.append(message)
    return socket, notices


@database_sync_to_async
def disclosed_at(memorial, visitor) -> datetime | None:
    return Conversation.objects.get(memorial=memorial, visitor=visitor).disclosed_at


@pytest.mark.django_db(transaction=True)
async def test_a_session_starts_with_the_notice_and_a_reconnect_does_not_repeat_it(
    memorial, family, clock
):
    cookie = await session_cookie_for(family)
    # the first visit: told at once, and it is recorded
    socket, notices = await resumed(memorial.id, cookie)
    assert notices == [
        {
            "type": "notice",
            "kind": "disclosure",
            "text": "A reminder: you are talking with an AI made from Ann Smith's own words. "
            "It is not Ann Smith, and it can be wrong.",
        }
    ]
    first = await disclosed_at(memorial, family)
    assert first is not None
    await socket.disconnect()
    # the phone wakes ten minutes later, and a second device joins: no new notice
    clock.forward(minutes=10)
    again, notices = await resumed(memorial.id, cookie)
    other, other_notices = await resumed(memorial.id, cookie)
    assert notices == [] and other_notices == []
    assert await disclosed_at(memorial, family) == first
    for device in (again, other):
        await device.disconnect()
    # back after more than half an hour without a word: a new session, told again
    clock.forward(minutes=45)
    later, notices = await resumed(memorial.id, cookie)
    assert [notice["kind"] for notice in notices] == ["disclosure"]
    assert await disclosed_at(memorial, family) > first
    await later.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_notice_comes_again_after_three_hours_of_use_on_an_open_socket(
    memorial, family, clock, replies_in_threads, monkeypatch, settings
):
    # a visit this long is past the default limits (guardrails.limits): a steward's choice
    settings.LEGACY_LIMITS_ADULT_SESSION_MINUTES = settings.LEGACY_LIMITS_ADULT_DAILY_MINUTES = 600
    settings.LEGACY_LIMITS_ADULT_BREAK_MINUTES = 0
    twin_says(monkeypatch, "I remember.")
    socket, notices = await resumed(memorial.id, await session_cookie_for(family))
    assert len(notices) == 1
    # a message every twenty minutes: one long session
    for minutes in range(20, 180, 20):
        clock.forward(minutes=20)
        await say(socket, f"Still here at {minutes} minutes")
        ack = await socket.receive_json_from(timeout=5)
        assert ack["type"] == "ack", f"no notice before three hours ({minutes} minutes)"
        start = await socket.receive_json_from(timeout=5)
        await until_reply_end(socket, start["seq"])
    # three hours and more since the notice: it comes again, before the message's ack
    clock.forward(minutes=20)
    await say(socket, "And still here")
    notice = await socket.receive_json_from(timeout=5)
    assert notice["type"] == "notice" and notice["kind"] == "disclosure"
    assert (await socket.receive_json_from(timeout=5))["type"] == "ack"
    await socket.disconnect()


# --- on the page ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_every_conversation_page_says_it_is_an_ai_and_not_the_person(client, memorial, family):
    client.force_login(family)
    html = client.get(reverse("conversations:page", args=[memorial.id])).content.decode()
    assert disclosure_line(name="Ann Smith") in " ".join(html.split())
    # and it has the one notice area, read out politely to screen readers
    assert "data-notices" in html and 'aria-live="polite"' in html
    # the subject trying their own twin is told it is not them
    client.force_login(memorial.subject)
    own = client.get(reverse("conversations:page", args=[memorial.id])).content.decode()
    assert disclosure_line(name="Ann Smith", preview=True) in " ".join(own.split())


@pytest.mark.django_db(transaction=True)
async def test_a_tab_left_open_starts_a_new_session_with_the_notice(
    memorial, family, clock, replies_in_threads, monkeypatch
):
    twin_says(monkeypatch, "I remember.")
    socket, notices = await resumed(memorial.id, await session_cookie_for(family))
    assert len(notices) == 1
    await say(socket, "Hello")
    assert (await socket.receive_json_from(timeout=5))["type"] == "ack"  # no second notice
    start = await socket.receive_json_from(timeout=5)
    await until_reply_end(socket, start["seq"])
    # the visitor comes back to the open tab after an hour without a word
    clock.forward(hours=1)
    await say(socket, "I'm back")
    notice = await socket.receive_json_from(timeout=5)
    assert notice["type"] == "notice" and notice["kind"] == "disclosure"
    assert (await socket.receive_json_from(timeout=5))["type"] == "ack"
    await socket.disconnect()
