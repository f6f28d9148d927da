"""Healthy use through the conversation socket: quiet hours, the day's time and a visit's
length stop new messages with a notice (a reply already on its way finishes), break reminders,
and the under-18 path (refused until a steward agrees, then stricter limits)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest
from channels.db import database_sync_to_async
from django.urls import reverse

from conversations.guardrails.limits import MINOR_WAITING, visit_limits_set
from conversations.guardrails.reliance import reliance_trend
from conversations.models import Message
from core.audit import memorial_ref
from core.models import AuditEvent
from memorials.models import AgeGroup, Membership, Role
from tests.conversations.conftest import conversation_socket
from tests.conversations.guardrails.helpers import (
    messages_at_async,
    move_time,
    opened,
    received_until,
)
from tests.conversations.test_consumer import say, until_reply_end
from tests.memorials.factories import MembershipFactory
from tests.memorials.test_consumers import session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)

EVENING = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)


def minutes_before(now: datetime, *minutes: int) -> list[datetime]:
    return [now - timedelta(minutes=m) for m in minutes]


@database_sync_to_async
def visitor_messages(memorial) -> int:
    return Message.objects.filter(conversation__memorial=memorial, role="visitor").count()


@database_sync_to_async
def set_limits(memorial, visitor, **chosen) -> None:
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD)
    membership = Membership.objects.get(memorial=memorial, user=visitor)
    values = {"session_minutes": None, "daily_minutes": None, "break_minutes": None,
              "quiet_start": None, "quiet_end": None}  # fmt: skip
    visit_limits_set(steward=steward, visitor=membership, **(values | chosen))


async def test_quiet_hours_stop_new_messages_with_a_notice(memorial, family, monkeypatch):
    # given quiet hours from 21:00 to 07:00, and the time moved to 22:30
    await set_limits(memorial, family, quiet_start=time(21), quiet_end=time(7))
    move_time(monkeypatch, datetime(2026, 12, 2, 22, 30, tzinfo=UTC))
    socket, _ = await opened(memorial.id, await session_cookie_for(family))
    # then the notice comes at once, and the conversation stays open to read
    notice = await socket.receive_json_from(timeout=5)
    assert notice["type"] == "notice" and notice["kind"] == "quiet_hours"
    assert "21:00 to 07:00" in notice["text"] and "come back" not in notice["text"].lower()
    # when the visitor writes anyway, the message waits: notice, then an error for it
    client_id = await say(socket, "Are you there?")
    got = [await socket.receive_json_from(timeout=5) for _ in range(2)]
    assert got[0]["kind"] == "quiet_hours"
    assert got[1] == {"type": "error", "client_id": client_id, "message": notice["text"]}
    assert await visitor_messages(memorial) == 0
    await socket.disconnect()


async def test_outside_quiet_hours_the_same_visitor_talks(memorial, family, monkeypatch, gate):
    await set_limits(memorial, family, quiet_start=time(21), quiet_end=time(7))
    move_time(monkeypatch, datetime(2026, 12, 2, 7, 0, tzinfo=UTC))
    socket, _ = await opened(memorial.id, await session_cookie_for(family))
    await say(socket, "Good morning")
    assert (await socket.receive_json_from(timeout=5))["type"] == "ack"
    gate.release()
    await until_reply_end(socket, 2)
    await socket.disconnect()


async def test_the_days_time_used_stops_new_messages(memorial, family, monkeypatch):
    # given two visits today of an hour each (the default day: two hours), an hour ago
    morning = [EVENING - timedelta(hours=8, minutes=m) for m in range(60, -1, -10)]
    noon = [EVENING - timedelta(hours=3, minutes=m) for m in range(62, -1, -10)]
    await messages_at_async(memorial, family, morning + noon)
    move_time(monkeypatch, EVENING)
    socket, _ = await opened(memorial.id, await session_cookie_for(family))
    notice = await socket.receive_json_from(timeout=5)
    assert notice["kind"] == "daily_limit" and "two hours" in notice["text"]
    await say(socket, "One more thing")
    assert [m["type"] for m in await received_until(socket, "error")] == ["notice", "error"]
    assert await visitor_messages(memorial) == len(morning + noon) // 2 + 1 - 1  # none added
    await socket.disconnect()


async def test_a_visits_length_stops_new_messages_but_the_reply_on_its_way_finishes(
    memorial, family, monkeypatch, gate
):
    # given a visit of 59 minutes so far
    await messages_at_async(memorial, family, minutes_before(EVENING, 59, 50, 40, 30, 20, 10))
    move_time(monkeypatch, EVENING)
    socket, _ = await opened(memorial.id, await session_cookie_for(family))
    # (past half an hour: a break reminder only, which stops nothing)
    assert (await socket.receive_json_from(timeout=5))["kind"] == "break"
    # when the visitor writes, the message is taken and its reply starts (held mid-way)
    await say(socket, "Tell me about the garden")
    ack = await socket.receive_json_from(timeout=5)
    assert ack["type"] == "ack"
    assert (await socket.receive_json_from(timeout=5))["type"] == "reply_start"
    gate.first_word_out()
    # and two minutes later the visit has reached its hour: the next message waits
    move_time(monkeypatch, EVENING + timedelta(minutes=2))
    client_id = await say(socket, "And the roses?")
    got = await received_until(socket, "error")
    notice = next(m for m in got if m["type"] == "notice")
    assert notice["kind"] == "session_limit" and "an hour" in notice["text"]
    assert got[-1]["client_id"] == client_id
    # then the reply already on its way still finishes
    gate.release()
    _, end = await until_reply_end(socket, ack["seq"] + 1)
    assert end["status"] == "complete"
    assert await visitor_messages(memorial) == 4  # three before, and the one taken
    await socket.disconnect()


async def test_a_break_reminder_comes_once_the_visit_passes_half_an_hour(
    memorial, family, monkeypatch, gate
):
    await messages_at_async(memorial, family, minutes_before(EVENING, 31, 20, 10))
    move_time(monkeypatch, EVENING)
    socket, _ = await opened(memorial.id, await session_cookie_for(family))
    reminder = await socket.receive_json_from(timeout=5)
    assert reminder == {
        "type": "notice", "kind": "break",
        "text": "You've been talking for half an hour. It might be a good moment for a break: "
        "a glass of water, a little air. The conversation will keep.",
    }  # fmt: skip
    # the reminder does not stop the conversation, nor come again for the same half hour
    await say(socket, "Thank you")
    assert (await socket.receive_json_from(timeout=5))["type"] == "ack"
    gate.release()
    got = await received_until(socket, "reply_end")
    assert not [m for m in got if m["type"] == "notice"]
    await socket.disconnect()


async def test_the_subjects_preview_has_no_limits(memorial, monkeypatch, gate):
    await messages_at_async(memorial, memorial.subject, minutes_before(EVENING, 200, 190, 180))
    await messages_at_async(
        memorial, memorial.subject, [EVENING - timedelta(minutes=m) for m in range(170, 0, -10)]
    )
    move_time(monkeypatch, EVENING)
    socket, _ = await opened(memorial.id, await session_cookie_for(memorial.subject))
    await say(socket, "Still here")
    assert (await socket.receive_json_from(timeout=5))["type"] == "ack"
    gate.release()
    await socket.disconnect()


@database_sync_to_async
def approval_audited(memorial, visitor) -> bool:
    return AuditEvent.objects.filter(
        memorial_ref=memorial_ref(memorial.id),
        action="conversation.minor_approved",
        data__visitor=str(visitor.pk),
    ).exists()


async def test_a_visitor_under_18_waits_for_a_steward_then_talks_with_stricter_limits(
    memorial, family, monkeypatch, gate, client, mailoutbox
):
    # given a visitor who said they are under 18, and a steward
    steward = await database_sync_to_async(MembershipFactory)(memorial=memorial, role=Role.STEWARD)
    await database_sync_to_async(Membership.objects.filter(memorial=memorial, user=family).update)(
        age_group=AgeGroup.MINOR
    )
    # when they open the conversation, twice, they are refused plainly...
    for _ in range(2):
        socket, _ = await _connect(memorial, family)
        assert await socket.receive_json_from(timeout=5) == {
            "type": "refused", "reason": MINOR_WAITING,
        }  # fmt: skip
        await socket.disconnect()
    # ...and the stewards are told once
    assert [mail.to for mail in mailoutbox] == [[steward.user.email]]
    assert "under 18" in mailoutbox[0].body
    # when a steward agrees on the visitors' time page (audited)
    await database_sync_to_async(client.force_login)(steward.user)
    page = reverse("conversations:visitors_time", args=[memorial.id])
    response = await database_sync_to_async(client.post)(
        page, {"visitor": str(family.pk), "action": "approve"}
    )
    assert response.status_code == 302
    assert await approval_audited(memorial, family)
    # then they may talk, within the stricter limits: a 20-minute visit, quiet from 21:00
    await messages_at_async(memorial, family, minutes_before(EVENING, 19, 10))
    move_time(monkeypatch, EVENING)
    socket, _ = await opened(memorial.id, await session_cookie_for(family))
    # (a break reminder first: every 15 minutes under 18)
    assert (await socket.receive_json_from(timeout=5))["kind"] == "break"
    await say(socket, "Hello")
    assert (await socket.receive_json_from(timeout=5))["type"] == "ack"
    gate.release()
    await received_until(socket, "reply_end")
    move_time(monkeypatch, EVENING + timedelta(minutes=2))
    await say(socket, "And again")
    notice = (await received_until(socket, "notice"))[-1]
    assert notice["kind"] == "session_limit" and "20 minutes" in notice["text"]
    await socket.disconnect()
    move_time(monkeypatch, datetime(2026, 12, 2, 21, 30, tzinfo=UTC))
    socket, _ = await opened(memorial.id, await session_cookie_for(family))
    assert (await socket.receive_json_from(timeout=5))["kind"] == "quiet_hours"
    await socket.disconnect()
    await asyncio.sleep(0)


async def _connect(memorial, visitor):
    socket = conversation_socket(memorial.id, await session_cookie_for(visitor))
    connected, _ = await socket.connect()
    assert connected
    return socket, None


@database_sync_to_async
def steward_page(client, memorial) -> str:
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD)
    client.force_login(steward.user)
    return client.get(reverse("conversations:visitors_time", args=[memorial.id])).content.decode()


async def test_a_reliance_phrase_is_counted_once_and_stewards_never_see_the_words(
    memorial, family, gate, client
):
    socket, _ = await opened(memorial.id, await session_cookie_for(family))
    words = "Honestly I can't go on without talking to you"
    client_id = await say(socket, words)
    assert (await socket.receive_json_from(timeout=5))["type"] == "ack"
    await say(socket, words, client_id=client_id)  # resent after a hiccup: the same message
    gate.release()
    await received_until(socket, "reply_end")
    await socket.disconnect()
    weeks = await database_sync_to_async(reliance_trend)(
        memorial_id=memorial.id, visitor_id=family.pk
    )
    assert weeks[-1].phrases == 1
    html = await steward_page(client, memorial)
    assert "1 message saying they lean on it" in html
    assert "go on without" not in html
