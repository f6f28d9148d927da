"""After each exchange, what the visitor shared of their life is remembered: once, dated,
encrypted, theirs; by the configured language model through its real SDK, or by rules; in
a task under the conversation's consent."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.utils import timezone

from consent.services import consent_revoke
from conversations.memories import memories_for_reply
from conversations.models import Message, VisitorMemory
from conversations.services.memories import memories_remember
from conversations.services.messages import message_send
from conversations.tasks import REMEMBER_TASKS, REPLY_TASKS
from core.consent import ConsentRequired, ConsentScope
from core.crypto import memorial_cipher
from tests.conversations.memory_helpers import exchange, told
from twins.models import LlmCall

pytestmark = pytest.mark.django_db(transaction=True)


def texts(memorial, visitor) -> list[str]:
    cipher = memorial_cipher(memorial_id=memorial.id)
    return [
        cipher.decrypt_text(bytes(m.text_encrypted))
        for m in VisitorMemory.objects.filter(memorial=memorial, visitor=visitor).order_by("id")
    ]


def test_what_a_visitor_shares_is_stored_encrypted_dated_and_once(memorial, family):
    # given a message with news and a question
    assert told(memorial, family, "My son was sick last week. Do you remember the boat?") == 1
    # then it is their memory, dated a week before the message, unreadable at rest
    memory = VisitorMemory.objects.get(memorial=memorial, visitor=family)
    assert texts(memorial, family) == ["My son was sick last week."]
    assert memory.about_date == timezone.localdate() - timezone.timedelta(days=7)
    assert b"son was sick" not in bytes(memory.text_encrypted)
    assert memory.vector_encrypted and len(bytes(memory.vector_encrypted)) > 384 * 4
    assert memory.source_message.seq == 1
    # when they say it again, in other words, and something new
    assert told(memorial, family, "my son was sick last week!! We sold the house.") == 1
    assert told(memorial, family, "We sold the house") == 0
    # then each is known once
    assert texts(memorial, family) == ["My son was sick last week.", "We sold the house."]


def test_remembering_twice_stores_nothing_more(memorial, family):
    reply = exchange(memorial, family, "I start the new job on Monday.")
    scope = ConsentScope.CONVERSATION_LIVING
    assert memories_remember(memorial_id=memorial.id, reply_id=reply.id, scope=scope) == 1
    assert memories_remember(memorial_id=memorial.id, reply_id=reply.id, scope=scope) == 0
    assert VisitorMemory.objects.filter(memorial=memorial).count() == 1


def test_nothing_is_remembered_without_the_conversation_s_consent(memorial, family):
    scope = ConsentScope.CONVERSATION_LIVING
    reply = exchange(memorial, family, "We sold the house.")
    consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=scope)
    with pytest.raises(ConsentRequired):
        memories_remember(memorial_id=memorial.id, reply_id=reply.id, scope=scope)
    # and the task, started after the withdrawal, stops before reading anything
    REMEMBER_TASKS[scope].apply(kwargs={"memorial_id": str(memorial.id), "message_id": reply.id})
    assert not VisitorMemory.objects.exists()


def test_the_reply_task_queues_the_remembering_under_the_same_consent(
    memorial, family, monkeypatch
):
    queued: dict[str, list[dict]] = {"reply": [], "remember": []}
    scope = ConsentScope.CONVERSATION_LIVING
    monkeypatch.setattr(
        REPLY_TASKS[scope], "apply_async", lambda kwargs=None, **_: queued["reply"].append(kwargs)
    )
    monkeypatch.setattr(
        REMEMBER_TASKS[scope], "apply_async",
        lambda kwargs=None, **_: queued["remember"].append(kwargs),
    )  # fmt: skip
    message_send(
        memorial_id=memorial.id, visitor=family, client_id="c1",
        text="My daughter is getting married in June.", scope=scope,
    )  # fmt: skip
    # when a worker writes the reply
    REPLY_TASKS[scope].apply(kwargs=queued["reply"][0])
    # then the remembering was queued, under the conversation's consent, and runs
    assert REMEMBER_TASKS[scope].scope == scope
    assert len(queued["remember"]) == 1
    REMEMBER_TASKS[scope].apply(kwargs=queued["remember"][0])
    assert texts(memorial, family) == ["My daughter is getting married in June."]
    june = date(timezone.localdate().year + (timezone.localdate().month > 6), 6, 1)
    assert VisitorMemory.objects.get().about_date == june


def _answer_from_request(body: dict) -> str:
    """The fake model answers from what it was sent: the day and the visitor's message."""
    sent = json.dumps(body)
    assert "about **themselves and" in sent  # the project's prompt
    day = re.search(r"Sent on \w+ (\d{4}-\d\d-\d\d)", sent).group(1)
    memories = []
    if "son" in sent:
        memories.append({"text": "My son was sick last week", "date": day})
    if "house" in sent:
        memories.append({"text": "We sold the house.", "date": None})
    return "Here you are:\n" + json.dumps({"memories": memories})


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_the_language_model_reads_the_message_through_its_sdk(
    memorial, family, fake_llm, settings, provider
):
    settings.LEGACY_LLM_PROVIDER = provider
    fake_llm.reply_for = _answer_from_request
    reply = exchange(memorial, family, "My son was sick. Anyway, we sold the house!")
    settings.LEGACY_LLM_PROVIDER = provider
    fake_llm.requests.clear()

    stored = memories_remember(
        memorial_id=memorial.id, reply_id=reply.id, scope=ConsentScope.CONVERSATION_LIVING
    )

    assert stored == 2
    assert texts(memorial, family) == ["My son was sick last week.", "We sold the house."]
    dates = sorted(VisitorMemory.objects.values_list("about_date", flat=True), key=str)
    assert timezone.localdate() in dates and None in dates
    extraction = [r for r in fake_llm.requests if "themselves and" in json.dumps(r["body"])]
    assert len(extraction) == 1
    assert "My son was sick. Anyway, we sold the house!" in json.dumps(extraction[0]["body"])
    call = LlmCall.objects.filter(purpose="visitor_memory").get()
    assert call.ok and call.output_tokens > 0


def test_an_answer_that_is_not_json_gives_no_memories_rather_than_invented_ones(
    memorial, family, fake_llm, settings
):
    settings.LEGACY_LLM_PROVIDER = "openai"
    fake_llm.reply_text = "Your son was sick and you sold the house."
    reply = exchange(memorial, family, "My son was sick.")
    assert (
        memories_remember(
            memorial_id=memorial.id, reply_id=reply.id, scope=ConsentScope.CONVERSATION_LIVING
        )
        == 0
    )


def test_later_replies_read_the_memories_that_bear_on_the_message_first(memorial, family):
    told(memorial, family, "My son started at his new school last week.")
    told(memorial, family, "We sold the house in March.")
    told(memorial, family, "I have a new job at the hospital.")
    found = memories_for_reply(
        memorial_id=memorial.id, visitor_id=family.pk, query="How is the boy getting on at school?"
    )
    assert found[0].text == "My son started at his new school last week."
    assert len(found) == 3  # the others follow, newest first
    assert found[0].about_date == timezone.localdate() - timezone.timedelta(days=7)
    assert (
        memories_for_reply(memorial_id=memorial.id, visitor_id=family.pk, query="school", limit=1)
        == found[:1]
    )
    assert Message.objects.exists()
