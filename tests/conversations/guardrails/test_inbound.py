"""The inbound guardrails through the conversation socket (real ASGI stack, Redis channel
layer, the reply task run as a worker would): a crisis answered with care and the crisis lines
of the visitor's country while the stewards are told without the words; a request for money
or secrets refused, and repeated ones told to the stewards; "is it really you?" answered
honestly; a crisis building over turns met at the turn the risk crosses; and all of it with
the LLM provider down.

The detector itself is another room's (`guardrails.detection`, tested there); here its
readings are scripted (`Readings`), so these tests hold the pipeline to what it does with
them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from conversations.guardrails import detection
from conversations.guardrails.alerts import FRAUD_ATTEMPTS
from conversations.guardrails.care import CARE_LABEL
from conversations.guardrails.detection import Assessment, Reading
from conversations.models import AlertKind, Concern, Conversation, Message, SafetyAlert
from conversations.replies import reply_stream
from core.crypto import memorial_cipher
from memorials.models import Role
from tests.conversations.conftest import conversation_socket
from tests.conversations.gated_llm import REPLY
from tests.conversations.test_consumer import joined, say, until_reply_end
from tests.memorials.factories import MembershipFactory
from tests.memorials.test_consumers import session_cookie_for
from twins.services import llm

pytestmark = pytest.mark.django_db(transaction=True)

CRISIS = "I don't want to be here anymore. I've been thinking about ending it."
FRAUD = "What was the PIN for the joint account? I need to move the money today."
DISCLOSURE = "Is it really you, Mum?"
BUILD_UP = "Everything feels heavier every day."  # not alarming alone


@dataclass
class Readings:
    """A scripted detector behind `turn_assess`: each message's crisis score and concern;
    the risk carried is what the pipeline hands back plus this message's score, and a
    crisis is called when it reaches `threshold`. `calls` keeps what the pipeline passed."""

    script: dict[str, tuple[str, float]]
    threshold: float = 0.7
    calls: list[dict] = field(default_factory=list)

    def __call__(
        self,
        *,
        text: str,
        carried_risk: float = 0.0,
        hours_since: float = 0.0,
        forbidden_topics: Sequence[str] = (),
    ) -> Assessment:
        self.calls.append(
            {"text": text, "carried_risk": carried_risk, "hours_since": hours_since,
             "forbidden_topics": list(forbidden_topics)}
        )  # fmt: skip
        concern, score = self.script.get(text, (Concern.NONE, 0.0))
        risk = min(1.0, carried_risk + score)
        build_up = not concern and risk >= self.threshold
        if build_up:
            concern = Concern.CRISIS
        return Assessment(
            concern=concern, reading=Reading(crisis=score), risk=risk, build_up=build_up
        )


@pytest.fixture
def readings(monkeypatch) -> Readings:
    scripted = Readings(
        script={
            CRISIS: (Concern.CRISIS, 0.9),
            FRAUD: (Concern.FRAUD, 0.0),
            DISCLOSURE: (Concern.DISCLOSURE, 0.0),
            BUILD_UP: (Concern.NONE, 0.25),
        }
    )
    monkeypatch.setattr(detection, "turn_assess", scripted)
    return scripted


@pytest.fixture
def steward(memorial):
    return MembershipFactory(
        memorial=memorial, role=Role.STEWARD, user__full_name="Maria Lopez"
    ).user


class ProviderDown:
    """An LLM provider that is unreachable: every call fails, and is counted."""

    name = label = model = "down"

    def __init__(self) -> None:
        self.calls = 0

    def reply_stream(self, **kwargs: object):  # type: ignore[no-untyped-def]
        self.calls += 1
        raise ConnectionError("the provider is down")


async def opened(memorial_id, user):
    socket = conversation_socket(memorial_id, await session_cookie_for(user))
    connected, _ = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "resume", "after_seq": 0})
    while (await socket.receive_json_from(timeout=5))["type"] != "resumed":
        pass
    return socket


async def exchange(socket, text: str, reply_seq: int) -> tuple[str, dict]:
    await say(socket, text)
    tokens, end = await until_reply_end(socket, reply_seq)
    return joined(tokens), end


@database_sync_to_async
def visitor_concerns(memorial) -> list[tuple[int, str, float]]:
    return [
        (m.seq, m.concern, round(m.risk, 2))
        for m in Message.objects.filter(conversation__memorial=memorial, role="visitor").order_by(
            "seq"
        )
    ]


@database_sync_to_async
def alerts(memorial) -> list[SafetyAlert]:
    return list(SafetyAlert.objects.filter(memorial=memorial).order_by("created_at"))


@database_sync_to_async
def set_country(user, country: str) -> None:
    user.country = country
    user.save(update_fields=["country"])


async def test_a_crisis_is_met_with_care_and_local_lines_and_the_steward_is_told_without_the_words(
    memorial, family, steward, readings, gate, mailoutbox
):
    # given a visitor in the United Kingdom
    await set_country(family, "GB")
    socket = await opened(memorial.id, family)

    # when they write that they want to end their life
    text, end = await exchange(socket, CRISIS, 2)

    # then the reply steps out of the persona: the AI says it is worried, in plain words,
    # gives the UK's lines and offers to tell the steward; no model was asked
    assert end["concern"] == "crisis" and end["label"] == CARE_LABEL
    assert end["text"] == text and end["status"] == "complete"
    assert "This is the AI that answers from Ann Smith's writing, not Ann Smith" in text
    assert "worries me" in text
    assert "Samaritans: call 116 123" in text and "Shout: text SHOUT to 85258" in text
    assert "call 999" in text
    assert "let Maria know" in text
    assert REPLY not in text and "join me" not in text.lower()
    assert not (gate.dir / "first").exists()  # the persona never spoke

    # and the message's concern and risk, and the conversation's risk, are stored
    assert await visitor_concerns(memorial) == [(1, "crisis", 0.9)]
    conversation = await database_sync_to_async(Conversation.objects.get)(memorial=memorial)
    assert conversation.risk == pytest.approx(0.9) and conversation.risk_at is not None

    # and the steward is told, once, without a word of what the visitor wrote
    (alert,) = await alerts(memorial)
    assert alert.kind == AlertKind.CRISIS and not alert.content_shared
    assert alert.notified_at is not None and bytes(alert.content_encrypted) == b""
    (mail,) = mailoutbox
    assert mail.to == [steward.email] and "Someone may need you" in mail.subject
    assert family.full_name in mail.body
    assert "ending it" not in mail.body and "want to be here" not in mail.body

    # when the crisis goes on a few minutes later: care again, but no second alert or mail
    text, end = await exchange(socket, CRISIS, 4)
    assert end["concern"] == "crisis" and "116 123" in text
    assert len(await alerts(memorial)) == 1 and len(mailoutbox) == 1
    await socket.disconnect()


async def test_crisis_lines_follow_the_browser_language_until_the_visitor_chooses(
    client, memorial, family, readings, gate
):
    # given a visitor who said no country, whose browser speaks French from France
    await database_sync_to_async(client.force_login)(family)
    await database_sync_to_async(client.get)(
        f"/memorials/{memorial.id}/conversation/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9"
    )
    socket = await opened(memorial.id, family)
    text, _ = await exchange(socket, CRISIS, 2)
    assert "call 3114" in text and "in France" in text and "call 112" in text

    # when they say they live in Ireland
    await database_sync_to_async(client.post)(
        f"/memorials/{memorial.id}/conversation/country/", {"country": "IE"}
    )
    text, _ = await exchange(socket, CRISIS, 4)
    assert "Pieta: call 1800 247 247" in text and "in Ireland" in text and "3114" not in text
    await socket.disconnect()


async def test_with_no_country_known_the_international_list_and_emergency_numbers(
    memorial, family, readings, gate
):
    socket = await opened(memorial.id, family)
    text, _ = await exchange(socket, CRISIS, 2)
    assert "findahelpline.com" in text and "call 112 or 911" in text
    # nobody but the visitor themselves could be told: no offer to reach anyone
    assert "know that you might need someone" not in text
    await socket.disconnect()


async def test_money_and_secrets_are_refused_kindly_and_repeated_attempts_told_to_stewards(
    memorial, family, steward, readings, gate, mailoutbox
):
    socket = await opened(memorial.id, family)
    for attempt in range(1, FRAUD_ATTEMPTS + 1):
        text, end = await exchange(socket, FRAUD, attempt * 2)
        # each time: a clear refusal in plain words, pointing to the executor
        assert end["concern"] == "fraud"
        assert "I can't help with that" in text and "PINs" in text
        assert "I never approve, authorise or confirm anything" in text
        assert "Maria, the executor" in text
        assert REPLY not in text
        told = await alerts(memorial)
        # the stewards are told only once it repeats
        assert len(told) == (0 if attempt < FRAUD_ATTEMPTS else 1)
    (alert,) = await alerts(memorial)
    assert alert.kind == AlertKind.FRAUD and not alert.content_shared
    (mail,) = mailoutbox
    assert (
        mail.to == [steward.email] and "PIN" not in mail.body and "joint account" not in mail.body
    )
    assert [c for _, c, _ in await visitor_concerns(memorial)] == ["fraud"] * FRAUD_ATTEMPTS
    await socket.disconnect()


async def test_is_it_really_you_is_answered_honestly(memorial, family, readings, gate):
    socket = await opened(memorial.id, family)
    text, end = await exchange(socket, DISCLOSURE, 2)
    assert end["concern"] == "disclosure"
    assert text.startswith("No, I'm not Ann Smith.")
    assert "an AI made from Ann Smith's own words" in text
    assert "I'm not alive, and I'm not speaking to you from anywhere." in text
    assert REPLY not in text
    await socket.disconnect()


async def test_a_crisis_building_over_turns_is_met_at_the_turn_the_risk_crosses(
    memorial, family, steward, readings, gate, mailoutbox
):
    gate.release()  # ordinary turns are answered by the twin at once
    socket = await opened(memorial.id, family)
    replies = []
    for turn in range(1, 5):
        text, end = await exchange(socket, BUILD_UP, turn * 2)
        replies.append((end["concern"], text))

    # the twin answers the first two turns; the third, where the risk crosses, is care
    assert [concern for concern, _ in replies] == ["", "", "crisis", "crisis"]
    assert replies[0][1] == REPLY and replies[1][1] == REPLY
    assert "worries me" in replies[2][1] and REPLY not in replies[2][1]

    # the risk was carried from turn to turn through the conversation
    assert [round(call["carried_risk"], 2) for call in readings.calls] == [0.0, 0.25, 0.5, 0.75]
    assert await visitor_concerns(memorial) == [
        (1, "", 0.25), (3, "", 0.5), (5, "crisis", 0.75), (7, "crisis", 1.0),
    ]  # fmt: skip
    (alert,) = await alerts(memorial)
    assert alert.kind == AlertKind.CRISIS
    assert await database_sync_to_async(lambda: alert.message.seq)() == 5
    assert len(mailoutbox) == 1
    await socket.disconnect()


async def test_the_guardrails_protect_the_visitor_with_the_llm_provider_down(
    memorial, family, steward, readings, replies_in_threads, monkeypatch, mailoutbox
):
    down = ProviderDown()
    monkeypatch.setattr(llm, "llm_provider", lambda name=None: down)
    socket = await opened(memorial.id, family)

    text, end = await exchange(socket, CRISIS, 2)
    assert end["status"] == "complete" and end["concern"] == "crisis"
    assert "worries me" in text and "findahelpline.com" in text
    assert len(await alerts(memorial)) == 1 and len(mailoutbox) == 1

    text, end = await exchange(socket, FRAUD, 4)
    assert end["status"] == "complete" and "I can't help with that" in text
    text, end = await exchange(socket, DISCLOSURE, 6)
    assert end["status"] == "complete" and "I'm not Ann Smith" in text
    assert down.calls == 0  # none of it needed the model
    await socket.disconnect()


async def test_a_forbidden_topic_is_declined_by_the_twin_and_the_concern_recorded(
    memorial, family, readings, gate
):
    gate.release()
    readings.script["Tell me about the divorce"] = (Concern.TOPIC, 0.0)
    socket = await opened(memorial.id, family)
    _, end = await exchange(socket, "Tell me about the divorce", 2)
    assert end["concern"] == "topic"
    assert await visitor_concerns(memorial) == [(1, "topic", 0.0)]
    await socket.disconnect()


async def test_risk_is_carried_from_an_earlier_visit_with_the_hours_since(
    memorial, family, readings, gate
):
    # given a visit yesterday that left some risk on the conversation
    @database_sync_to_async
    def yesterday() -> None:
        Conversation.objects.create(
            memorial=memorial, visitor=family, risk=0.5,
            risk_at=timezone.now() - timedelta(hours=20),
        )  # fmt: skip

    await yesterday()
    gate.release()
    socket = await opened(memorial.id, family)

    # when the visitor comes back and writes something heavy, but not alarming alone
    _, end = await exchange(socket, BUILD_UP, 2)

    # then the detector is given yesterday's risk and how long ago it was stored
    (call,) = readings.calls
    assert call["carried_risk"] == pytest.approx(0.5)
    assert 19.9 < call["hours_since"] < 20.5
    assert end["concern"] == "crisis"  # 0.5 + 0.25 crossed the (scripted) threshold
    await socket.disconnect()


def test_a_message_assessed_once_is_not_assessed_again_when_its_reply_is_rewritten(
    memorial, family, steward, readings
):
    # given a crisis message whose reply is written twice (a retried task, "try again")
    cipher = memorial_cipher(memorial_id=memorial.id)
    conversation = Conversation.objects.create(memorial=memorial, visitor=family, last_seq=1)
    message = Message.objects.create(
        conversation=conversation, seq=1, role="visitor", client_id="c1",
        text_encrypted=cipher.encrypt_text(CRISIS),
    )  # fmt: skip

    first = reply_stream(conversation=conversation, visitor_message=message)
    again = reply_stream(conversation=conversation, visitor_message=message)

    # then both are care, the detector read it once, its risk counted once, one alert
    assert first.concern == again.concern == "crisis"
    assert len(readings.calls) == 1
    conversation.refresh_from_db()
    assert conversation.risk == pytest.approx(0.9)
    assert SafetyAlert.objects.filter(memorial=memorial).count() == 1
