"""The conversation socket through the real ASGI stack and the Redis channel layer: a message
acknowledged at once, the reply streamed in order and stored, two devices in sync, resuming
with nothing lost or doubled, a provider failing mid-reply, refusals, and a withdrawal."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from channels.db import database_sync_to_async

from consent.consumers import CLOSE_CONSENT_REVOKED, REVOKED_NOTICE
from consent.services import consent_revoke
from conversations.models import Message, MessageStatus
from conversations.replies import STOPPED_NOTICE
from conversations.services.reply_writing import WITHDRAWN_NOTICE
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from core.events import SocketClose
from tests.conversations.conftest import conversation_socket
from tests.conversations.gated_llm import FIRST_SENTENCE, LABEL, REPLY
from tests.memorials.factories import MembershipFactory
from tests.memorials.test_consumers import session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)


async def opened(memorial_id, cookie: str, *, after_seq: int = 0):
    socket = conversation_socket(memorial_id, cookie)
    connected, _ = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "resume", "after_seq": after_seq})
    history = []
    while (message := await socket.receive_json_from(timeout=5))["type"] != "resumed":
        if message["type"] != "notice":  # the disclosure at a session's start (its own tests)
            history.append(message)
    return socket, history


async def say(socket, text: str, client_id: str | None = None) -> str:
    client_id = client_id or uuid.uuid4().hex
    await socket.send_json_to({"type": "send", "client_id": client_id, "text": text})
    return client_id


async def until_reply_end(socket, seq: int) -> tuple[list[dict], dict]:
    """The tokens of reply `seq` received, then its end."""
    tokens = []
    while True:
        message = await socket.receive_json_from(timeout=10)
        if message["type"] == "token" and message["seq"] == seq:
            tokens.append(message)
        elif message["type"] == "reply_end" and message["seq"] == seq:
            return tokens, message


def joined(tokens: list[dict]) -> str:
    text = ""
    for token in tokens:
        assert token["offset"] == len(text), "a token out of order, doubled or missing"
        text += token["text"]
    return text


@database_sync_to_async
def stored(memorial) -> list[tuple[int, str, str, str]]:
    cipher = memorial_cipher(memorial_id=memorial.id)
    return [
        (m.seq, m.role, m.status, cipher.decrypt_text(bytes(m.text_encrypted)))
        for m in Message.objects.filter(conversation__memorial=memorial).order_by("seq")
    ]


async def wait_stored(memorial, seq: int, status: str, seconds: float = 30) -> list:
    for _ in range(int(seconds / 0.05)):
        rows = await stored(memorial)
        if any(row[0] == seq and row[2] == status for row in rows):
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {seq} never became {status}: {await stored(memorial)}")


async def test_a_message_is_acknowledged_at_once_and_the_reply_streams_in_order(memorial, gate):
    socket, history = await opened(memorial.id, await session_cookie_for(memorial.subject))
    assert history == []
    client_id = await say(socket, "Do you remember Falmouth?")
    # the message is acknowledged with its place, while the reply is still held
    assert await socket.receive_json_from(timeout=5) == {
        "type": "ack", "client_id": client_id, "seq": 1, "text": "Do you remember Falmouth?",
    }  # fmt: skip
    assert await socket.receive_json_from(timeout=5) == {
        "type": "reply_start", "seq": 2, "reply_to": 1,
    }  # fmt: skip
    first = await socket.receive_json_from(timeout=10)
    assert first == {"type": "token", "seq": 2, "offset": 0, "text": FIRST_SENTENCE}
    assert await socket.receive_nothing(timeout=0.3)  # held: nothing more until released
    gate.release()
    tokens, end = await until_reply_end(socket, 2)
    assert joined([first, *tokens]) == REPLY
    assert len(tokens) == 1  # sentence by sentence, as the outbound guard checked them
    assert end["status"] == "complete" and end["text"] == REPLY and end["label"] == LABEL
    assert await stored(memorial) == [
        (1, "visitor", "complete", "Do you remember Falmouth?"),
        (2, "twin", "complete", REPLY),
    ]
    await socket.disconnect()


async def test_the_same_visitor_on_two_devices_sees_the_same_conversation_live(memorial, gate):
    phone, _ = await opened(memorial.id, await session_cookie_for(memorial.subject))
    laptop, _ = await opened(memorial.id, await session_cookie_for(memorial.subject))
    client_id = await say(phone, "Hello from the bus")
    gate.release()
    seen = {}
    for name, device in (("phone", phone), ("laptop", laptop)):
        ack = await device.receive_json_from(timeout=5)
        start = await device.receive_json_from(timeout=5)
        tokens, end = await until_reply_end(device, 2)
        seen[name] = (ack, start, joined(tokens), end)
    assert seen["phone"] == seen["laptop"]
    assert seen["laptop"][0] == {
        "type": "ack", "client_id": client_id, "seq": 1, "text": "Hello from the bus",
    }  # fmt: skip
    assert seen["laptop"][2] == REPLY
    for device in (phone, laptop):
        assert await device.receive_nothing(timeout=0.3)
        await device.disconnect()


async def test_a_reconnect_mid_reply_resumes_with_nothing_lost_or_doubled(memorial, gate):
    cookie = await session_cookie_for(memorial.subject)
    socket, _ = await opened(memorial.id, cookie)
    client_id = await say(socket, "Tell me about the boat")
    await socket.receive_json_from(timeout=5)  # ack
    await socket.receive_json_from(timeout=5)  # reply_start
    await socket.receive_json_from(timeout=10)  # the first sentence
    await socket.disconnect()  # the network drops mid-reply

    # the browser comes back holding message 1 whole, reply 2 not: it resumes after 1
    socket, history = await opened(memorial.id, cookie, after_seq=1)
    assert [(m["seq"], m["status"], m["text"]) for m in history] == [
        (2, "streaming", FIRST_SENTENCE)
    ]
    gate.release()
    tokens, end = await until_reply_end(socket, 2)
    assert tokens[0]["offset"] == len(FIRST_SENTENCE)  # the rest, from where it had got to
    assert history[0]["text"] + joined_from(tokens, len(FIRST_SENTENCE)) == REPLY
    assert end["text"] == REPLY

    # the same message sent again (the browser was not sure it had gone) is stored once
    await say(socket, "Tell me about the boat", client_id=client_id)
    assert await socket.receive_json_from(timeout=5) == {
        "type": "ack", "client_id": client_id, "seq": 1, "text": "Tell me about the boat",
    }  # fmt: skip
    assert await socket.receive_nothing(timeout=0.5)  # and no second reply
    assert [row[:2] for row in await stored(memorial)] == [(1, "visitor"), (2, "twin")]

    # a page loaded afresh gets everything, once, in order
    fresh, history = await opened(memorial.id, cookie)
    assert [(m["seq"], m["role"], m["text"]) for m in history] == [
        (1, "visitor", "Tell me about the boat"),
        (2, "twin", REPLY),
    ]
    for device in (socket, fresh):
        await device.disconnect()


def joined_from(tokens: list[dict], start: int) -> str:
    text = ""
    for token in tokens:
        assert token["offset"] == start + len(text)
        text += token["text"]
    return text


async def test_a_provider_failure_mid_reply_keeps_what_was_said_and_try_again_writes_anew(
    memorial, fake_llm, settings, replies_in_threads
):
    settings.LEGACY_LLM_PROVIDER = "openai"
    fake_llm.reply_text = "The harbour was quiet that morning and the gulls were loud."
    fake_llm.queue("cut")  # half the stream, then the connection closes
    socket, _ = await opened(memorial.id, await session_cookie_for(memorial.subject))
    await say(socket, "What was the harbour like?")
    assert (await socket.receive_json_from(timeout=5))["type"] == "ack"
    await socket.receive_json_from(timeout=5)  # reply_start
    tokens, end = await until_reply_end(socket, 2)
    said = joined(tokens)
    # what was said is kept, and only that: no other words spliced in after it
    assert said and fake_llm.reply_text.startswith(said) and said != fake_llm.reply_text
    assert (end["status"], end["text"], end["notice"]) == ("failed", said, STOPPED_NOTICE)
    assert await stored(memorial) == [
        (1, "visitor", "complete", "What was the harbour like?"),
        (2, "twin", "failed", said),
    ]
    # "Try again" writes a new reply to the same message; the failed one stays
    await socket.send_json_to({"type": "retry", "seq": 2})
    assert await socket.receive_json_from(timeout=5) == {
        "type": "reply_start", "seq": 3, "reply_to": 1,
    }  # fmt: skip
    tokens, end = await until_reply_end(socket, 3)
    assert joined(tokens) == fake_llm.reply_text == end["text"]
    assert (end["status"], end["label"]) == ("complete", "llama-test (OpenAI-compatible server)")
    await socket.send_json_to({"type": "retry", "seq": 2})  # pressed again: nothing new
    assert await socket.receive_nothing(timeout=0.5)
    assert [row[:3] for row in await stored(memorial)] == [
        (1, "visitor", "complete"),
        (2, "twin", "failed"),
        (3, "twin", "complete"),
    ]
    await socket.disconnect()


async def test_revoking_the_conversation_consent_closes_the_socket_and_stops_the_reply(
    memorial, family, gate
):
    socket, _ = await opened(memorial.id, await session_cookie_for(family))
    await say(socket, "Tell me about the sea.")
    await socket.receive_json_from(timeout=5)  # ack
    await socket.receive_json_from(timeout=5)  # reply_start
    first = await socket.receive_json_from(timeout=10)
    assert first["type"] == "token"
    # when the subject withdraws the consent for conversations while they live
    await database_sync_to_async(consent_revoke)(
        user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.CONVERSATION_LIVING
    )
    # then the socket says so and closes, and cannot come back
    messages = []
    while (output := await socket.receive_output(timeout=5))["type"] != "websocket.close":
        messages.append(output)
    assert output["code"] == CLOSE_CONSENT_REVOKED
    assert {
        "kind": "consent.revoked",
        "data": {"scope": "conversation_living", "message": REVOKED_NOTICE},
    } in [json.loads(m["text"]) for m in messages]
    gate.release()  # the provider would go on: the reply does not
    rows = await wait_stored(memorial, 2, MessageStatus.FAILED)
    assert rows[1] == (2, "twin", "failed", FIRST_SENTENCE)
    notice = await database_sync_to_async(
        lambda: Message.objects.get(conversation__memorial=memorial, seq=2).notice
    )()
    assert notice == WITHDRAWN_NOTICE
    await asyncio.sleep(0.5)  # nothing more is written after the stop
    assert (await stored(memorial))[1][3] == FIRST_SENTENCE
    refused = conversation_socket(memorial.id, await session_cookie_for(family))
    assert (await refused.connect())[0]
    assert (await refused.receive_json_from(timeout=5))["type"] == "refused"
    assert (await refused.receive_output(timeout=5))["code"] == SocketClose.CONVERSATION_REFUSED


async def test_a_visitor_who_may_not_talk_is_told_why_and_the_socket_closes(memorial):
    family = await database_sync_to_async(MembershipFactory)(memorial=memorial, role="family")
    socket = conversation_socket(memorial.id, await session_cookie_for(family.user))
    assert (await socket.connect())[0]
    refusal = await socket.receive_json_from(timeout=5)
    assert refusal == {
        "type": "refused",
        "reason": "Ann Smith has not opened conversations with their twin yet.",
    }
    assert (await socket.receive_output(timeout=5))["code"] == SocketClose.CONVERSATION_REFUSED
    assert await stored(memorial) == []


async def test_a_stranger_is_closed_with_not_found(memorial):
    stranger = await database_sync_to_async(MembershipFactory)()  # of another memorial
    socket = conversation_socket(memorial.id, await session_cookie_for(stranger.user))
    assert await socket.connect() == (False, SocketClose.NOT_FOUND)


async def test_an_empty_message_is_refused_in_plain_words_and_nothing_is_stored(memorial):
    socket, _ = await opened(memorial.id, await session_cookie_for(memorial.subject))
    await say(socket, "   ", client_id="c1")
    assert await socket.receive_json_from(timeout=5) == {
        "type": "error", "client_id": "c1", "message": "Please write something first.",
    }  # fmt: skip
    assert await stored(memorial) == []
    await socket.disconnect()


@pytest.mark.parametrize("change", ["closed to visitors", "wishes no longer allow it"])
async def test_an_open_socket_decides_its_access_again_when_the_memorial_or_wishes_change(
    memorial, family, change
):
    from memorials.opening import memorial_close_to_visitors
    from memorials.wishes import wishes_update

    socket, _ = await opened(memorial.id, await session_cookie_for(family))

    def changed() -> None:
        if change == "closed to visitors":
            memorial_close_to_visitors(memorial=memorial, actor=memorial.subject)
        else:
            wishes_update(
                memorial=memorial, actor=memorial.subject, visitors="all_family",
                named_visitors=[], forbidden_topics=[], talk_while_living=False,
                sunset="none", sunset_years=None, sunset_on=None, ending="archive",
            )  # fmt: skip

    # when the subject changes who may talk while the visitor's socket is open
    await database_sync_to_async(changed)()
    # then the socket says why and closes, before any message of theirs is taken
    refusal = await socket.receive_json_from(timeout=5)
    assert refusal["type"] == "refused" and "Ann Smith" in refusal["reason"]
    assert (await socket.receive_output(timeout=5))["code"] == SocketClose.CONVERSATION_REFUSED
    assert await stored(memorial) == []


@database_sync_to_async
def _reply_stored_unannounced(memorial, text_so_far: str) -> None:
    """The subject's message and the start of its reply, stored as `message_send` and a
    worker store them, but with none of their events sent yet."""
    from conversations.models import Conversation, MessageRole

    cipher = memorial_cipher(memorial_id=memorial.id)
    conversation, _ = Conversation.objects.get_or_create(
        memorial=memorial, visitor=memorial.subject
    )  # opening the socket may have made it
    conversation.last_seq = 2
    conversation.save()
    asked = Message.objects.create(
        conversation=conversation, seq=1, role=MessageRole.VISITOR, client_id="asked",
        text_encrypted=cipher.encrypt_text("Do you remember Falmouth?"),
    )  # fmt: skip
    Message.objects.create(
        conversation=conversation, seq=2, role=MessageRole.TWIN, reply_to=asked,
        text_encrypted=cipher.encrypt_text(text_so_far), status=MessageStatus.STREAMING,
    )  # fmt: skip


@database_sync_to_async
def _event(memorial, kind: str, data: dict) -> None:
    from core.events import event_send_on_commit

    event_send_on_commit(
        memorial_id=memorial.id, visitor_id=memorial.subject_id, kind=kind, data=data
    )


async def test_a_reply_heard_before_its_start_is_shown_as_stored_with_the_message_before_it(
    memorial,
):
    from core.events import EventKind

    # given a device that has seen nothing, and a reply whose first words went out before
    # its message's ack and its start reached this device (the reply's task is sent first)
    socket, history = await opened(memorial.id, await session_cookie_for(memorial.subject))
    assert history == []
    await _reply_stored_unannounced(memorial, FIRST_SENTENCE)
    # when those first words arrive
    await _event(
        memorial,
        EventKind.CONVERSATION_TOKEN,
        {"seq": 2, "offset": 0, "text": FIRST_SENTENCE},
    )
    # then the device is shown the message and the reply so far, as stored, in order
    shown = [await socket.receive_json_from(timeout=5) for _ in range(2)]
    assert [(m["type"], m["seq"], m["text"]) for m in shown] == [
        ("message", 1, "Do you remember Falmouth?"),
        ("message", 2, FIRST_SENTENCE),
    ]
    # and the ack and the start, arriving late, are not shown again; the rest streams on
    await _event(
        memorial,
        EventKind.CONVERSATION_ACK,
        {"client_id": "asked", "seq": 1, "text": "Do you remember Falmouth?"},
    )
    await _event(memorial, EventKind.CONVERSATION_REPLY_START, {"seq": 2, "reply_to": 1})
    rest = REPLY[len(FIRST_SENTENCE) :]
    await _event(
        memorial,
        EventKind.CONVERSATION_TOKEN,
        {"seq": 2, "offset": len(FIRST_SENTENCE), "text": rest},
    )
    assert await socket.receive_json_from(timeout=5) == {
        "type": "token", "seq": 2, "offset": len(FIRST_SENTENCE), "text": rest,
    }  # fmt: skip
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()
