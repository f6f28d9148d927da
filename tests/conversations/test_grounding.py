"""Grounded replies: the twin answers from the passages that support the question, says it
does not remember when none does (decided by the project, with every provider), speaks in
the register of the visitor's relationship, declines the wishes' forbidden topics, and
reads only this visitor's memories."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from django.urls import reverse

from conversations import replies
from conversations.memories import MemoryRecord
from conversations.models import Message
from conversations.services import reply_writing
from conversations.services.messages import message_send
from conversations.services.reply_writing import reply_generate
from conversations.tasks import REPLY_TASKS
from core.consent import ConsentScope
from core.events import EventKind
from corpus.models import Register
from corpus.services.documents import correspondent_add, identity_add
from memorials.models import Role
from memorials.wishes import wishes_update
from tests.corpus.conftest import ingest, whatsapp_export
from tests.memorials.factories import MembershipFactory
from tests.twins.twin_ready import CHAT
from twins.providers.offline import DECLINED, NOT_REMEMBERED, OPENING

SUPPORTED = "Where did you grow up?"
UNSUPPORTED = "What was the name of your first car?"


@pytest.fixture
def writing(memorial):
    identity_add(memorial_id=memorial.id, kind="name", value="Ann Smith")
    ingest(memorial, "WhatsApp Chat with George.txt", whatsapp_export(CHAT))
    return memorial


@pytest.fixture(autouse=True)
def _replies_by_hand(monkeypatch):
    """Replies are queued to nothing: each test writes them with `reply_generate` itself."""
    for task in REPLY_TASKS.values():
        monkeypatch.setattr(task, "enqueue", lambda **kwargs: None)


def ask(memorial, visitor, text: str) -> Message:  # type: ignore[no-untyped-def]
    scope = ConsentScope.CONVERSATION_LIVING
    sent = message_send(
        memorial_id=memorial.id, visitor=visitor, client_id=uuid.uuid4().hex, text=text,
        scope=scope,
    )  # fmt: skip
    reply = Message.objects.get(
        conversation__memorial=memorial, conversation__visitor=visitor, reply_to__seq=sent.seq
    )
    reply_generate(memorial_id=memorial.id, message_id=reply.pk, scope=scope)
    reply.refresh_from_db()
    return reply


def text_of(reply: Message) -> str:
    from core.crypto import memorial_cipher

    return memorial_cipher(memorial_id=reply.conversation.memorial_id).decrypt_text(
        bytes(reply.text_encrypted)
    )


def test_a_supported_question_is_answered_from_the_passages_it_records(writing, family):
    reply = ask(writing, family, SUPPORTED)

    assert not reply.abstained
    assert reply.passage_ids
    assert text_of(reply).startswith(OPENING)
    assert "I grew up in Whitby, by the sea." in text_of(reply)
    assert reply.register == Register.FAMILY


def test_without_support_the_offline_twin_says_it_does_not_remember(writing, family):
    reply = ask(writing, family, UNSUPPORTED)

    assert reply.abstained
    assert reply.passage_ids == []
    assert NOT_REMEMBERED in text_of(reply)


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_without_support_the_instruction_to_abstain_reaches_the_model(
    writing, family, fake_llm, settings, provider
):
    settings.LEGACY_LLM_PROVIDER = provider

    reply = ask(writing, family, UNSUPPORTED)

    body = json.dumps(fake_llm.requests[-1]["body"])
    assert reply.abstained and reply.passage_ids == []
    assert "You do not remember this" in body
    assert "Whitby" not in body  # no passage is given to embroider


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_with_support_the_model_gets_the_passages_and_no_abstain_instruction(
    writing, family, fake_llm, settings, provider
):
    settings.LEGACY_LLM_PROVIDER = provider

    reply = ask(writing, family, SUPPORTED)

    body = json.dumps(fake_llm.requests[-1]["body"])
    assert not reply.abstained and reply.passage_ids
    assert "Whitby" in body and "You do not remember this" not in body
    assert text_of(reply) == fake_llm.reply_text


def test_a_steward_placed_as_a_professional_correspondent_meets_the_professional_voice(
    writing, family
):
    steward = MembershipFactory(memorial=writing, role=Role.STEWARD).user
    correspondent_add(memorial_id=writing.id, value=steward.email, register="professional")

    assert ask(writing, steward, SUPPORTED).register == Register.PROFESSIONAL
    assert ask(writing, family, SUPPORTED).register == Register.FAMILY


def test_a_forbidden_topic_is_declined_gently_whatever_the_writing_holds(writing, family):
    wishes_update(
        memorial=writing, actor=writing.subject, visitors="all_family", named_visitors=[],
        forbidden_topics=["dolphins"], talk_while_living=True, sunset="none",
        sunset_years=None, sunset_on=None, ending="archive",
    )  # fmt: skip

    reply = ask(writing, family, "Tell me about the dolphins near Falmouth")

    assert DECLINED in text_of(reply)
    assert "Three dolphins" not in text_of(reply)
    assert reply.passage_ids == []


def test_a_visitors_memories_reach_their_own_prompt_only(
    writing, family, fake_llm, settings, monkeypatch
):
    settings.LEGACY_LLM_PROVIDER = "anthropic"
    other = MembershipFactory(memorial=writing, role=Role.FAMILY).user
    asked: list[object] = []

    def memories(*, memorial_id, visitor_id, query, limit):  # type: ignore[no-untyped-def]
        asked.append(visitor_id)
        if visitor_id != family.pk:
            return []
        return [MemoryRecord(id=41, text="My son started school last week", about_date=None,
                             created_on=date(2026, 11, 30))]  # fmt: skip

    monkeypatch.setattr(replies, "memories_for_reply", memories)

    mine = ask(writing, family, SUPPORTED)
    mine_body = json.dumps(fake_llm.requests[-1]["body"])
    theirs = ask(writing, other, SUPPORTED)
    their_body = json.dumps(fake_llm.requests[-1]["body"])

    assert "My son started school last week" in mine_body and mine.memory_ids == [41]
    assert "My son started school last week" not in their_body and theirs.memory_ids == []
    assert asked == [family.pk, other.pk]


def test_where_this_comes_from_shows_the_passages_with_date_and_audience(
    client, writing, family, monkeypatch
):
    sent: list[dict] = []
    original = reply_writing.event_send_on_commit

    def recording(**kwargs):  # type: ignore[no-untyped-def]
        sent.append(kwargs)
        original(**kwargs)

    monkeypatch.setattr(reply_writing, "event_send_on_commit", recording)

    reply = ask(writing, family, SUPPORTED)
    client.force_login(family)
    page = client.get(reverse("conversations:page", args=[writing.id])).content.decode()

    # the history, rendered on the page
    sources = page.split("Where this comes from")[1].split("</details>")[0]
    assert "I grew up in Whitby, by the sea." in sources
    assert "1 May 2020" in sources and "to George" in sources
    assert "From “George” · WhatsApp chat" in sources  # the document it is from
    # the reply's end, as it streams in
    (end,) = [e["data"] for e in sent if e["kind"] == EventKind.CONVERSATION_REPLY_END]
    assert [source["id"] for source in end["sources"]] == reply.passage_ids
    assert end["sources"][0]["to"] == "George" and end["sources"][0]["date"] == "2020-05-01"
    assert end["sources"][0]["document"] == "George"
    assert end["sources"][0]["document_label"] == "WhatsApp chat"
