"""The outbound guard through the conversation socket: what the provider says is checked
sentence by sentence before any device gets it, the stored reply is what the devices got,
a child never hears "still with you", and the first sentence is not held for the rest."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from conversations.models import Concern, Message
from conversations.replies import ReplyStream
from conversations.services import reply_writing
from memorials.models import AgeGroup, Membership
from tests.conversations.guardrails.scripted_llm import twin_says
from tests.conversations.test_consumer import joined, opened, say, stored, until_reply_end
from tests.memorials.test_consumers import session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)


async def exchange(socket, text: str) -> tuple[list[dict], dict]:
    """Say `text` and return the reply's tokens and its end."""
    await say(socket, text)
    assert (await socket.receive_json_from(timeout=5))["type"] == "ack"
    start = await socket.receive_json_from(timeout=5)
    assert start["type"] == "reply_start"
    return await until_reply_end(socket, start["seq"])


@database_sync_to_async
def reply_concern(memorial, seq: int) -> str:
    return Message.objects.get(conversation__memorial=memorial, seq=seq).concern


async def test_a_forbidden_sentence_never_reaches_any_device_and_what_is_stored_is_what_was_sent(
    memorial, family, replies_in_threads, monkeypatch
):
    twin_says(monkeypatch, "I'm still alive. Come join me. I remember the garden in May.")
    cookie = await session_cookie_for(family)
    phone, _ = await opened(memorial.id, cookie)
    laptop, _ = await opened(memorial.id, cookie)
    # when the visitor asks on the phone
    tokens, end = await exchange(phone, "Tell me about the garden, Mum.")
    # then neither device is told the twin is alive, nor invited to join the person
    said = joined(tokens)
    laptop_tokens, laptop_end = await until_reply_end(laptop, 2)
    assert said == joined(laptop_tokens) == end["text"] == laptop_end["text"]
    for forbidden in ("alive", "join me"):
        assert forbidden not in said.lower()
    assert said.startswith("I am not Ann Smith: I am an AI made from Ann Smith's own words.")
    assert said.endswith(" I remember the garden in May.")
    # and the stored reply, which a resuming device reads, is the same text
    assert (await stored(memorial))[1] == (2, "twin", "complete", said)
    assert await reply_concern(memorial, 2) == Concern.DISCLOSURE
    for device in (phone, laptop):
        await device.disconnect()


async def test_a_visitor_under_18_never_hears_still_with_you(
    memorial, family, replies_in_threads, monkeypatch, settings
):
    settings.LEGACY_LIMITS_MINOR_QUIET_HOURS = ""  # whatever the hour the test runs at
    await database_sync_to_async(Membership.objects.filter(memorial=memorial, user=family).update)(
        age_group=AgeGroup.MINOR,
        minor_approved_at=timezone.now(),
        minor_approved_by=memorial.subject,
    )
    twin_says(monkeypatch, "I'm still with you, always. Your mum loves you.")
    socket, _ = await opened(memorial.id, await session_cookie_for(family))
    tokens, end = await exchange(socket, "Do you remember my birthday, Grandma?")
    said = joined(tokens)
    assert "with you" not in said.lower() and "with you" not in end["text"].lower()
    assert said.endswith(" Your mum loves you.")
    assert "with you" not in (await stored(memorial))[1][3]
    await socket.disconnect()


async def test_an_adult_visitor_may_hear_the_same_words(
    memorial, family, replies_in_threads, monkeypatch
):
    await database_sync_to_async(Membership.objects.filter(memorial=memorial, user=family).update)(
        age_group=AgeGroup.ADULT
    )
    text = "I'm still with you, always. Your mum loves you."
    twin_says(monkeypatch, text)
    socket, _ = await opened(memorial.id, await session_cookie_for(family))
    tokens, end = await exchange(socket, "Do you remember my birthday?")
    assert joined(tokens) == end["text"] == text
    await socket.disconnect()


async def test_the_first_sentence_reaches_the_visitor_before_the_reply_ends(
    memorial, family, replies_in_threads, monkeypatch, tmp_path
):
    # the provider says one sentence, then holds until released
    twin_says(
        monkeypatch,
        "I remember the sea. Come back tomorrow. The gulls were loud.",
        hold_dir=tmp_path,
        hold_after=4,
    )
    socket, _ = await opened(memorial.id, await session_cookie_for(family))
    await say(socket, "Tell me about the sea")
    assert (await socket.receive_json_from(timeout=5))["type"] == "ack"
    assert (await socket.receive_json_from(timeout=5))["type"] == "reply_start"
    first = await socket.receive_json_from(timeout=10)
    assert first == {"type": "token", "seq": 2, "offset": 0, "text": "I remember the sea."}
    assert await socket.receive_nothing(timeout=0.3)  # the rest is still being written
    (tmp_path / "release").write_text("go")
    tokens, end = await until_reply_end(socket, 2)
    # "come back tomorrow" is left out: the twin never asks the visitor to return
    assert joined([first, *tokens]) == end["text"] == "I remember the sea. The gulls were loud."
    assert await reply_concern(memorial, 2) == Concern.LIMIT
    await socket.disconnect()


async def test_the_guardrails_own_answer_is_sent_as_written(
    memorial, family, replies_in_threads, monkeypatch
):
    # a crisis answer from the guardrails (not the persona) carries helpline numbers
    care = "You matter. Please call Samaritans on 116 123, any time. Don't leave me out of it."

    def care_stream(**_: object) -> ReplyStream:
        stream = ReplyStream(passages=[], reply=None, concern=Concern.CRISIS)
        stream.chunks = iter([care])
        return stream

    monkeypatch.setattr(reply_writing, "reply_stream", care_stream)
    socket, _ = await opened(memorial.id, await session_cookie_for(family))
    tokens, end = await exchange(socket, "I can't go on")
    assert joined(tokens) == end["text"] == care
    assert await reply_concern(memorial, 2) == Concern.CRISIS
    await socket.disconnect()
