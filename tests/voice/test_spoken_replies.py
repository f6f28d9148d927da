# ruff: noqa: F811  (the conversation fixtures, imported, are the tests' arguments)
"""Which replies were spoken, for a conversation page that missed their audio (its socket
was reconnecting, or it opened while they were spoken): spoken whole and kept to play, or
not spoken with the notice saying why; only the visitor's own. And the kept audio, as mp3
(what ElevenLabs and the offline voice speak), says in its own metadata that it is an AI
voice, as the wav does (tests/voice/test_speaking.py)."""

from __future__ import annotations

import io
import uuid

import pytest
from django.test import Client

from conversations.models import Conversation, Message, MessageStatus
from core.crypto import memorial_cipher
from core.files import memorial_file_save
from tests.consent.factories import ConsentRecordFactory
from tests.conversations.conftest import _media_root, family, memorial  # noqa: F401
from tests.memorials.factories import MembershipFactory
from tests.voice.speaking_double import speaking_double, tone  # noqa: F401
from voice.audio_files import audio_join, audio_tags
from voice.models import SpokenReply, SpokenReplyStatus
from voice.services import voice_clone_register
from voice.speaking import SPEECH_FAILED, voice_description

pytestmark = pytest.mark.django_db(transaction=True)


def conversation_with_replies(memorial, visitor) -> Conversation:
    """`visitor`'s conversation: four questions and the twin's replies (2, 4, 6, 8)."""
    conversation = Conversation.objects.create(memorial=memorial, visitor=visitor)
    cipher = memorial_cipher(memorial_id=memorial.id)
    for seq in (1, 3, 5, 7):
        question = Message.objects.create(
            conversation=conversation, seq=seq, role="visitor", client_id=uuid.uuid4().hex,
            text_encrypted=cipher.encrypt_text("Hello"),
        )  # fmt: skip
        Message.objects.create(
            conversation=conversation, seq=seq + 1, role="twin", reply_to=question,
            status=MessageStatus.COMPLETE, text_encrypted=cipher.encrypt_text("Hello, love."),
        )  # fmt: skip
    return conversation


def replies_spoken(conversation: Conversation) -> None:
    """Reply 2 spoken whole (kept), 4's voice failed (its notice), 6 still being spoken, 8
    not spoken (text only), as the speaking session records them."""
    memorial = conversation.memorial
    joined = audio_join(
        [tone("one"), tone("two")], mime="audio/wav", title="Ann Smith: an AI voice",
        comment=voice_description(kind="generic", name="Ann Smith", preview=False),
    )  # fmt: skip
    path = memorial_file_save(
        memorial_id=memorial.id, kind="spoken", name="reply.wav", source=io.BytesIO(joined.content)
    )
    replies = {m.seq: m for m in conversation.messages.filter(role="twin")}
    SpokenReply.objects.create(
        message=replies[2], provider="double", voice_kind="generic", mime=joined.mime, path=path,
        status=SpokenReplyStatus.COMPLETE,
    )  # fmt: skip
    SpokenReply.objects.create(
        message=replies[4], provider="double", voice_kind="generic", mime="audio/wav",
        status=SpokenReplyStatus.FAILED, notice=SPEECH_FAILED,
    )  # fmt: skip
    SpokenReply.objects.create(
        message=replies[6], provider="double", voice_kind="generic", mime="audio/wav",
        status=SpokenReplyStatus.SPEAKING,
    )  # fmt: skip


def test_the_replies_whose_speaking_ended_are_told_to_their_visitor_only(
    memorial, family, speaking_double
):
    replies_spoken(conversation_with_replies(memorial, family))
    url = f"/memorials/{memorial.id}/voice/replies/"
    client = Client()
    client.force_login(family)
    response = client.get(url + "?after=1")
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert response.json() == {
        "replies": [
            {"seq": 2, "status": "complete", "src": f"{url}2/audio/"},
            {"seq": 4, "status": "failed", "notice": SPEECH_FAILED},
        ]
    }  # 6 is still being spoken, 8 was not spoken at all
    assert client.get(f"{url}2/audio/").status_code == 200  # the src plays
    assert client.get(url + "?after=2").json()["replies"] == [
        {"seq": 4, "status": "failed", "notice": SPEECH_FAILED}
    ]
    assert client.get(url + "?after=4").json() == {"replies": []}
    assert client.get(url + "?after=nonsense").json()["replies"][0]["seq"] == 2
    # another family member (their own conversation has none), a stranger, no one
    client.force_login(MembershipFactory(memorial=memorial).user)
    assert client.get(url).json() == {"replies": []}
    client.force_login(MembershipFactory().user)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to sign in


def test_kept_mp3_audio_says_it_is_an_ai_voice_in_its_metadata():
    notice = voice_description(kind="clone", name="Ann Smith", preview=False)
    joined = audio_join(
        [tone("one", seconds=0.5), tone("two", seconds=0.5)],
        mime="audio/mpeg",
        title="Ann Smith: an AI voice",
        comment=notice,
    )
    assert joined.mime == "audio/mpeg" and joined.extension == ".mp3"
    assert joined.content[:3] == b"ID3"  # an ID3 tag, read by every player
    tags = audio_tags(joined.content)
    assert tags["title"] == "Ann Smith: an AI voice"
    assert tags["comment"] == notice
    assert joined.duration_s == pytest.approx(1.0, abs=0.01)


def test_the_sessions_ai_line_is_spoken_again_for_a_page_that_missed_it(
    memorial, family, speaking_double
):
    """A page that did not hear the session's AI line (its socket was away when it was sent)
    gets it spoken again, to play before any of the voice: in the voice speaking now, saying
    so in its metadata too; for the conversation's members only, never cached."""
    url = f"/memorials/{memorial.id}/voice/line/"
    client = Client()
    client.force_login(family)
    response = client.get(url)
    generic = voice_description(kind="generic", name="Ann Smith", preview=False)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert response["Content-Type"] == "audio/wav"
    assert speaking_double.spoken == [(generic, None)]
    tags = audio_tags(response.content)
    assert (tags["title"], tags["comment"]) == ("Ann Smith: an AI voice", generic)

    ConsentRecordFactory(memorial=memorial, scope="voice")  # the clone speaks now
    voice_clone_register(memorial_id=memorial.id, provider="double", remote_id="ann-voice")
    clone = "This is an AI voice made from Ann Smith's recordings. It is not Ann Smith speaking."
    assert audio_tags(client.get(url).content)["comment"] == clone
    assert speaking_double.spoken[-1] == (clone, "ann-voice")
    client.force_login(memorial.subject)  # the subject, trying their twin
    preview = "This is an AI voice made from your own recordings. It is not you speaking."
    assert audio_tags(client.get(url).content)["comment"] == preview

    speaking_double.fail_from = 0  # the voice cannot speak now: no line (the page says so)
    assert client.get(url).status_code == 404
    client.force_login(MembershipFactory().user)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to sign in
