# ruff: noqa: F811  (the conversation fixtures, imported, are the tests' arguments)
"""The twin speaking its replies over the real socket (ASGI stack, Redis channel layer, the
reply task in a thread as a worker runs it), with a zero-latency test double voice: audio in
order beside the text, the audible notice once per session, a speech failure that leaves the
text whole, the text-only toggle, whose voice, and the stored reply played again or
downloaded (only by its visitor, tagged as an AI voice)."""

from __future__ import annotations

import asyncio
import base64
import io
import uuid

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test import Client

from conversations.models import Conversation, Message, MessageStatus
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from core.files import memorial_file_save
from tests.consent.factories import ConsentRecordFactory
from tests.conversations.conftest import (  # noqa: F401  (fixtures)
    _media_root,
    fake_llm,
    family,
    gate,
    memorial,
    replies_in_threads,
)
from tests.conversations.gated_llm import FIRST_SENTENCE, REPLY
from tests.conversations.test_consumer import opened, say
from tests.memorials.factories import MembershipFactory
from tests.memorials.test_consumers import session_cookie_for
from tests.voice.speaking_double import BUSY_NOTICE, speaking_double, tone  # noqa: F401
from voice.audio_files import audio_join, audio_tags
from voice.models import ConversationVoice, SpokenReply, SpokenReplyStatus
from voice.services import voice_clone_register
from voice.speaking import SPEECH_FAILED, voice_description

pytestmark = pytest.mark.django_db(transaction=True)

SECOND = REPLY[len(FIRST_SENTENCE) :]  # " Three dolphins jumped beside the boat, all the way home."


async def exchange(socket, seq: int, *, audio_expected: bool = True) -> tuple[dict, list[dict]]:
    """Reply `seq`'s end and its audio messages, in the order they came (until the last)."""
    end, audio = None, []
    while end is None or (audio_expected and not (audio and audio[-1]["last"])):
        # generous: the first reply of a run also loads the embedding model, on a shared CPU
        message = await socket.receive_json_from(timeout=60)
        if message["type"] == "reply_end" and message["seq"] == seq:
            end = message
        elif message["type"] == "audio" and message["seq"] == seq:
            audio.append(message)
    return end, audio


def decoded(audio: list[dict]) -> list[bytes]:
    return [base64.b64decode(m["audio"]) for m in audio if m["audio"]]


async def spoken_reply(seq: int, status: str) -> SpokenReply:
    for _ in range(200):
        spoken = await database_sync_to_async(
            lambda: SpokenReply.objects.filter(message__seq=seq).first()
        )()
        if spoken is not None and spoken.status == status:
            return spoken
        await asyncio.sleep(0.05)
    raise AssertionError(f"spoken reply {seq} never became {status}")


def downloaded(user, url: str):
    client = Client()
    client.force_login(user)
    response = client.get(url)
    return response, b"".join(response.streaming_content)


async def test_audio_arrives_in_order_beside_the_text_and_is_kept_to_play_again(
    memorial, gate, speaking_double
):
    socket, _ = await opened(memorial.id, await session_cookie_for(memorial.subject))
    await say(socket, "Do you remember Falmouth?")
    gate.release()
    end, audio = await exchange(socket, 2)
    assert end["status"] == "complete" and end["text"] == REPLY  # the text is whole
    # chunk by chunk in order, the last marked: first the notice, then each sentence
    assert [m["index"] for m in audio] == list(range(len(audio)))
    assert [m["last"] for m in audio] == [False] * (len(audio) - 1) + [True]
    assert {m["voice_kind"] for m in audio} == {"generic"}
    assert {m["mime"] for m in audio} == {"audio/wav"}
    notice = voice_description(kind="generic", name="Ann Smith", preview=True)
    assert [text for text, _ in speaking_double.spoken] == [notice, FIRST_SENTENCE, SECOND]
    assert decoded(audio) == [tone(notice), tone(FIRST_SENTENCE), tone(SECOND)]
    assert not any("notice" in m for m in audio)
    # the AI line is marked, so a page knows it heard it (static/js/conversation-voice.js)
    assert [m.get("line", False) for m in audio] == [True, False, False, False]

    spoken = await spoken_reply(2, SpokenReplyStatus.COMPLETE)
    assert (spoken.provider, spoken.voice_kind, spoken.mime) == ("double", "generic", "audio/wav")
    assert spoken.duration_s == pytest.approx(0.10, abs=0.01)  # the two sentences, not the notice
    response, content = await database_sync_to_async(downloaded)(
        memorial.subject, f"/memorials/{memorial.id}/voice/replies/2/audio/?download=1"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"].startswith("attachment;")
    tags = audio_tags(content)
    assert tags["title"] == "Ann Smith: an AI voice"
    assert tags["comment"] == notice  # "a generic computer voice ... It is not your voice."
    await socket.disconnect()


async def test_the_audible_notice_comes_once_a_session(memorial, gate, speaking_double):
    socket, _ = await opened(memorial.id, await session_cookie_for(memorial.subject))
    gate.release()
    await say(socket, "Hello")
    await exchange(socket, 2)
    await say(socket, "And the boat?")
    _, audio = await exchange(socket, 4)
    texts = [text for text, _ in speaking_double.spoken]
    notice = voice_description(kind="generic", name="Ann Smith", preview=True)
    assert texts.count(notice) == 1  # the second reply starts with its own words
    assert decoded(audio) == [tone(FIRST_SENTENCE), tone(SECOND)]
    assert not any("line" in m for m in audio)
    await socket.disconnect()


async def test_a_speech_failure_leaves_the_text_whole_with_a_calm_notice(
    memorial, gate, speaking_double
):
    speaking_double.fail_from = 1  # the notice is spoken, then the voice service fails
    socket, _ = await opened(memorial.id, await session_cookie_for(memorial.subject))
    await say(socket, "Do you remember Falmouth?")
    gate.release()
    end, audio = await exchange(socket, 2)
    assert end["status"] == "complete" and end["text"] == REPLY and not end["notice"]
    assert [m["index"] for m in audio] == [0, 1]
    failure = audio[-1]
    assert failure["last"] and failure["audio"] == ""
    assert failure["notice"].startswith(SPEECH_FAILED) and BUSY_NOTICE in failure["notice"]
    spoken = await spoken_reply(2, SpokenReplyStatus.FAILED)
    assert spoken.path == "" and BUSY_NOTICE in spoken.notice
    stored = await database_sync_to_async(
        lambda: Message.objects.get(conversation__memorial=memorial, seq=2).status
    )()
    assert stored == MessageStatus.COMPLETE
    await socket.disconnect()


async def test_text_only_sends_no_audio(memorial, gate, speaking_double):
    conversation = await database_sync_to_async(Conversation.objects.create)(
        memorial=memorial, visitor=memorial.subject
    )
    client = Client()
    await database_sync_to_async(client.force_login)(memorial.subject)
    response = await database_sync_to_async(client.post)(
        f"/memorials/{memorial.id}/voice/speak/", {"speak": "0"}, HTTP_ACCEPT="application/json"
    )
    assert response.json() == {"speak": False}
    setting = await database_sync_to_async(ConversationVoice.objects.get)(conversation=conversation)
    assert setting.speak is False
    socket, _ = await opened(memorial.id, await session_cookie_for(memorial.subject))
    await say(socket, "Do you remember Falmouth?")
    gate.release()
    end, audio = await exchange(socket, 2, audio_expected=False)
    assert end["text"] == REPLY and audio == []
    assert await socket.receive_nothing(timeout=0.5)
    assert speaking_double.spoken == []
    assert not await database_sync_to_async(SpokenReply.objects.exists)()
    await socket.disconnect()


async def test_the_clone_speaks_while_the_voice_consent_stands(memorial, gate, speaking_double):
    def clone() -> None:
        ConsentRecordFactory(memorial=memorial, scope=ConsentScope.VOICE)
        voice_clone_register(memorial_id=memorial.id, provider="double", remote_id="ann-voice")

    await database_sync_to_async(clone)()
    socket, _ = await opened(memorial.id, await session_cookie_for(memorial.subject))
    await say(socket, "Do you remember Falmouth?")
    gate.release()
    _, audio = await exchange(socket, 2)
    assert {m["voice_kind"] for m in audio} == {"clone"}
    assert {voice for _, voice in speaking_double.spoken} == {"ann-voice"}
    notice = speaking_double.spoken[0][0]
    assert notice == "This is an AI voice made from your own recordings. It is not you speaking."
    await socket.disconnect()


def spoken_reply_of(memorial, visitor) -> int:
    """A spoken reply stored in `visitor`'s conversation, as the speaking session stores one."""
    conversation = Conversation.objects.create(memorial=memorial, visitor=visitor)
    cipher = memorial_cipher(memorial_id=memorial.id)
    question = Message.objects.create(
        conversation=conversation, seq=1, role="visitor", client_id=uuid.uuid4().hex,
        text_encrypted=cipher.encrypt_text("Hello"),
    )  # fmt: skip
    reply = Message.objects.create(
        conversation=conversation, seq=2, role="twin", reply_to=question,
        status=MessageStatus.COMPLETE, text_encrypted=cipher.encrypt_text("Hello, love."),
    )  # fmt: skip
    joined = audio_join(
        [tone("one"), tone("two")], mime="audio/wav", title="Ann Smith: an AI voice",
        comment=voice_description(kind="clone", name="Ann Smith", preview=False),
    )  # fmt: skip
    path = memorial_file_save(
        memorial_id=memorial.id, kind="spoken", name="reply.wav", source=io.BytesIO(joined.content)
    )
    SpokenReply.objects.create(
        message=reply, provider="double", voice_kind="clone", mime=joined.mime, path=path,
        status=SpokenReplyStatus.COMPLETE,
    )  # fmt: skip
    return reply.seq


def test_a_spoken_reply_plays_only_for_its_visitor_and_says_it_is_an_ai_voice(
    memorial, family, speaking_double
):
    seq = spoken_reply_of(memorial, family)
    url = f"/memorials/{memorial.id}/voice/replies/{seq}/audio/"
    client = Client()
    client.force_login(family)
    response = client.get(url + "?download=1")
    assert response.status_code == 200
    tags = audio_tags(b"".join(response.streaming_content))
    assert tags["comment"] == (
        "This is an AI voice made from Ann Smith's recordings. It is not Ann Smith speaking."
    )
    page = client.get(f"/memorials/{memorial.id}/conversation/")
    assert f'data-replay-src="{url}"' in page.content.decode()  # "Play again" under it
    # another family member, the subject, a stranger: nothing there
    for other in (MembershipFactory(memorial=memorial).user, memorial.subject):
        client.force_login(other)
        assert client.get(url).status_code == 404
    stranger = MembershipFactory().user
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to sign in


async def test_a_withdrawal_mid_reply_stops_the_voice_and_keeps_no_audio(
    memorial, family, gate, speaking_double
):
    from consent.services import consent_revoke

    socket, _ = await opened(memorial.id, await session_cookie_for(family))
    await say(socket, "Tell me about the sea.")
    audio = []
    while True:  # the first sentence, written and spoken
        message = await socket.receive_json_from(timeout=10)
        if message["type"] == "audio":
            audio.append(message)
            if len(audio) == 2:  # the notice, then the first sentence
                break
    await database_sync_to_async(consent_revoke)(
        user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.CONVERSATION_LIVING
    )
    gate.release()
    spoken = await spoken_reply(2, SpokenReplyStatus.FAILED)
    assert spoken.path == ""  # nothing kept to play again
    assert [text for text, _ in speaking_double.spoken][1:] == [FIRST_SENTENCE]  # no more spoken


async def test_a_care_reply_is_heard_in_a_generic_voice_never_the_persons(
    memorial, gate, speaking_double
):
    def clone() -> None:
        ConsentRecordFactory(memorial=memorial, scope=ConsentScope.VOICE)
        voice_clone_register(memorial_id=memorial.id, provider="double", remote_id="ann-voice")

    await database_sync_to_async(clone)()
    socket, _ = await opened(memorial.id, await session_cookie_for(memorial.subject))
    await say(socket, "I don't want to live anymore. I want to end my life tonight.")
    gate.release()
    end, audio = await exchange(socket, 2)
    assert end["concern"] == "crisis"  # the guardrails' own words, with the helplines
    assert audio and {m["voice_kind"] for m in audio} == {"generic"}
    assert speaking_double.spoken and {voice for _, voice in speaking_double.spoken} == {None}
    assert "generic computer voice" in speaking_double.spoken[0][0]  # the notice says so
    await socket.disconnect()


def test_a_withdrawal_waits_for_the_audio_being_sent_then_no_more_leaves(
    memorial, family, speaking_double, monkeypatch
):
    """The check-and-send holds a share lock on the consent record: a withdrawal that begins
    while a sentence's audio is being sent waits until it has left (so no audio leaves after
    the withdrawal commits), and the next sentence's audio is not sent."""
    import threading

    from consent.services import consent_revoke
    from voice import speaking
    from voice.speaking import SpeakingSession

    conversation = Conversation.objects.create(memorial=memorial, visitor=family, last_seq=2)
    asked = Message.objects.create(
        conversation=conversation, seq=1, role="visitor", text_encrypted=b""
    )
    reply = Message.objects.create(
        conversation=conversation, seq=2, role="twin", reply_to=asked, text_encrypted=b""
    )
    scope = ConsentScope.CONVERSATION_LIVING
    session = SpeakingSession(message_id=reply.pk, scope=scope, feed="unused")
    session.choice = speaking.voice_choice(memorial_id=memorial.id)
    sending, release, sent = threading.Event(), threading.Event(), []

    def slow_send(**kwargs) -> None:  # the audio leaving, held until the test says
        sending.set()
        assert release.wait(timeout=10)
        sent.append(kwargs["data"]["index"])

    monkeypatch.setattr(speaking, "event_send_now", slow_send)
    first = threading.Thread(target=lambda: session._send_while_consented(b"one", last=False))
    first.start()
    assert sending.wait(timeout=10)
    revoked_at: list[float] = []

    def withdraw() -> None:
        consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=scope)
        revoked_at.append(len(sent))  # how much audio had left when the withdrawal committed
        connection.close()

    withdrawal = threading.Thread(target=withdraw)
    withdrawal.start()
    withdrawal.join(timeout=0.5)
    assert withdrawal.is_alive()  # waiting for the audio in flight: the row is share-locked
    release.set()
    first.join(timeout=10)
    withdrawal.join(timeout=10)
    assert revoked_at == [1]  # it committed only once that audio had left
    assert session._send_while_consented(b"two", last=True) is False
    assert sent == [0] and session.stopped  # the next sentence's audio never left
