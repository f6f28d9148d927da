"""The twin's reply: the serving version's persona and the subject's own passages reach the
provider; without a built twin it refuses plainly."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from consent.services import consent_revoke
from core.consent import ConsentRequired
from corpus.models import Register
from tests.corpus.conftest import ingest, whatsapp_export
from tests.memorials.factories import MemorialFactory
from tests.twins.twin_ready import memorial_with_writing, version_ready
from twins import replies
from twins.providers import LlmMessage, llm_provider
from twins.providers.offline import CLOSING, OPENING
from twins.replies import FRAME, TwinNotReady, twin_reply

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def memorial():
    memorial = memorial_with_writing()
    version_ready(memorial)
    return memorial


@pytest.fixture
def instructions(monkeypatch):
    """What the portrait and persona helpers give the prompt, stood in for here."""
    monkeypatch.setattr(
        replies, "portrait_instructions", lambda *, version, register=None: f"PORTRAIT[{register}]"
    )
    monkeypatch.setattr(replies, "persona_instructions", lambda *, version: "PERSONA-PACK")


def test_without_a_built_twin_it_refuses_plainly():
    memorial = memorial_with_writing()

    with pytest.raises(TwinNotReady, match="not built yet"):
        twin_reply(memorial_id=memorial.id, question="Where did you grow up?")


def test_a_failed_newer_build_does_not_stop_the_ready_one_answering(memorial):
    newest = version_ready(memorial)
    newest.status = "failed"
    newest.save(update_fields=["status"])

    answer = twin_reply(memorial_id=memorial.id, question="Where did you grow up?")

    assert answer.version.number == 1


def test_offline_it_answers_in_the_subject_s_own_sentences_and_shows_what_it_drew_on(memorial):
    answer = twin_reply(memorial_id=memorial.id, question="Where did you grow up?")
    text = "".join(answer.reply)

    assert text.splitlines()[0] == OPENING and text.splitlines()[-1] == CLOSING
    assert "I grew up in Whitby, by the sea." in text
    # George's words are his, never the twin's: the offline responder quotes the subject's
    # own matching sentence, and any line of George's it was given is marked as his
    assert "Leeds" not in text
    assert any(p.is_subject and "Whitby" in p.text for p in answer.passages)
    assert all(p.is_subject or p.speaker == "George" for p in answer.passages)
    assert (
        answer.reply.label
        == "Offline: sentences they wrote, picked by matching words (no language model)"
    )


def test_a_line_written_many_times_is_drawn_on_once(memorial):
    repeated = [
        (datetime(2022, 1, day, 9, 0), "Ann Smith", "Our dog Biscuit ate my slipper again.")
        for day in range(1, 12)
    ]
    ingest(memorial, "WhatsApp Chat with Jo.txt", whatsapp_export(repeated))

    answer = twin_reply(memorial_id=memorial.id, question="What did the dog Biscuit eat?")

    texts = [passage.text for passage in answer.passages]
    assert texts.count("Our dog Biscuit ate my slipper again.") == 1
    assert "Our dog was called Biscuit and he hated the rain." in texts


def test_a_register_narrows_what_it_draws_on(memorial):
    answer = twin_reply(
        memorial_id=memorial.id, question="Where did you grow up?", register=Register.FAMILY
    )

    assert answer.passages == []
    assert "Whitby" not in "".join(answer.reply)


def test_claude_is_given_the_frame_portrait_persona_cached_and_the_passages_after(
    memorial, fake_llm, instructions
):
    history = [
        LlmMessage(role="user", content="Hello, is that you?"),
        LlmMessage(role="assistant", content="It is a likeness of me, made from my words."),
    ]

    answer = twin_reply(
        memorial_id=memorial.id,
        question="Did you have a dog?",
        history=history,
        register=Register.FRIENDS,
        provider=llm_provider("anthropic"),
    )
    text = "".join(answer.reply)

    assert text == fake_llm.reply_text and not answer.reply.fell_back
    body = fake_llm.requests[-1]["body"]
    persona, passages = body["system"]
    assert persona["cache_control"] == {"type": "ephemeral"}
    assert persona["text"].startswith(FRAME.format(name="Ann Smith")[:40])
    assert "PORTRAIT[friends]" in persona["text"] and "PERSONA-PACK" in persona["text"]
    assert "Our dog was called Biscuit" in passages["text"]
    assert "cache_control" not in passages
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert json.dumps(body["messages"][-1]).count("Did you have a dog?") == 1


def test_the_openai_compatible_server_gets_the_same_persona_and_passages(
    memorial, fake_llm, instructions
):
    twin_reply(
        memorial_id=memorial.id, question="Any dolphins?", provider=llm_provider("openai")
    ).reply.__iter__().__next__()  # the first chunk: the request has gone

    body = json.dumps(fake_llm.requests[-1]["body"])
    assert "PERSONA-PACK" in body and "Three dolphins, jumping beside the boat!" in body


def test_when_the_provider_fails_the_person_s_own_words_answer_with_a_notice(memorial, fake_llm):
    fake_llm.queue("529", "529")

    answer = twin_reply(
        memorial_id=memorial.id,
        question="Where did you grow up?",
        provider=llm_provider("anthropic"),
    )
    text = "".join(answer.reply)

    assert answer.reply.fell_back and "overloaded" in answer.reply.notice
    assert "I grew up in Whitby, by the sea." in text


def test_without_the_corpus_consent_it_reads_nothing(memorial):
    consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope="corpus")

    with pytest.raises(ConsentRequired):
        twin_reply(memorial_id=memorial.id, question="Where did you grow up?")


def test_another_memorial_s_twin_does_not_answer_for_this_one(memorial):
    other = MemorialFactory()

    with pytest.raises(TwinNotReady):
        twin_reply(memorial_id=other.id, question="Where did you grow up?")
