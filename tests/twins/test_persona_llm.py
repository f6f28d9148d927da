"""The persona pack distilled by a language model, through the real `anthropic` and `openai`
SDKs against the local fake server: batches that fit the window, facts traced to the
passages of their batch, duplicates merged, every call recorded, trouble retried later."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from core.tasks import TransientError
from corpus.writing import passages_by_id, subject_passages
from tests.consent.factories import grant_consent
from tests.memorials.factories import MemorialFactory
from tests.twins.persona_corpus import corpus_ingest, persona_progress, version_new
from twins.models import FactOrigin, LlmCall, PersonaFact
from twins.persona.build import persona_build
from twins.persona.llm import DISTIL_PROMPT, tokens_estimate
from twins.persona.selectors import persona_facts_reviewed
from twins.providers import LlmUnavailable

pytestmark = pytest.mark.django_db

BATCH_ROOM = 120  # tokens of passages per batch, in these tests
_NUMBERED = re.compile(r"^\[(\d+)\] \([^)]*\)\n(.*?)(?=\n\n\[\d+\] |\Z)", re.MULTILINE | re.DOTALL)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def memorial(db):
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, "corpus")
    corpus_ingest(memorial)
    return memorial


@pytest.fixture
def small_window(settings):
    """A context window that holds a few passages beside the prompt and the answer."""
    settings.LEGACY_PERSONA_CONTEXT_TOKENS = tokens_estimate(DISTIL_PROMPT) + 256 + BATCH_ROOM


def user_text(body: dict[str, Any]) -> str:
    message = [m for m in body["messages"] if m["role"] == "user"][-1]
    content = message["content"]
    return content if isinstance(content, str) else "".join(b["text"] for b in content)


def numbered(body: dict[str, Any]) -> dict[int, str]:
    return {int(n): text for n, text in _NUMBERED.findall(user_text(body))}


def model_answer(body: dict[str, Any]) -> str:
    """What a model following the prompt might answer, plus one fact it made up: a citation
    of a passage number that was not in the batch."""
    passages = numbered(body)
    facts: list[dict[str, Any]] = [
        {"kind": "place", "text": "You grew up in Whitby", "passages": [1]},
        {"kind": "story", "text": "You sailed round the world", "passages": [len(passages) + 5]},
    ]
    toms = [n for n, text in passages.items() if "Tom" in text]
    if toms:
        facts.append(
            {
                "kind": "person",
                "text": "Tom is your brother",
                "detail": {"name": "Tom", "relation": "brother"},
                "passages": toms,
            }
        )
    return "Here you are:\n" + json.dumps({"facts": facts})


@pytest.mark.parametrize(("provider", "label"), [
    ("anthropic", "Claude (Anthropic)"),
    ("openai", "llama-test (OpenAI-compatible server)"),
])  # fmt: skip
def test_the_llm_reads_the_writing_in_batches_and_facts_keep_their_passages(
    memorial, fake_llm, settings, small_window, provider, label
):
    settings.LEGACY_LLM_PROVIDER = provider
    fake_llm.reply_for = model_answer
    version = version_new(memorial)

    persona_build(version=version, progress=persona_progress(version))

    # the writing went in several batches, each within the window, with the project's prompt
    assert len(fake_llm.requests) >= 2
    sent: list[str] = []
    for request in fake_llm.requests:
        assert tokens_estimate(user_text(request["body"])) <= BATCH_ROOM + 10
        assert "Answer with JSON only" in json.dumps(request["body"])
        sent.extend(numbered(request["body"]).values())
    own = [p.text for p in subject_passages(memorial_id=memorial.id)]
    assert sorted(sent) == sorted(own)  # each of the subject's passages sent once, only theirs
    facts = {fact.text: fact for fact in persona_facts_reviewed(version=version)}
    # the made-up fact cited a passage that was not in its batch: dropped
    assert "You sailed round the world" not in facts
    # the same fact from every batch is kept once, with the first passage of each batch
    whitby = facts["You grew up in Whitby"]
    assert len(whitby.source_passage_ids) == len(fake_llm.requests)
    # and the numbers the model cited were turned into the right passages
    tom = facts["Tom is your brother"]
    sources = passages_by_id(memorial_id=memorial.id, passage_ids=tom.source_passage_ids)
    assert len(sources) == 3 and all("Tom" in p.text for p in sources.values())
    assert {fact.origin for fact in facts.values()} == {FactOrigin.LLM}
    version.refresh_from_db()
    assert version.llm_label == label and "persona" in version.steps_done
    calls = LlmCall.objects.filter(memorial_id=memorial.id)
    assert calls.count() == len(fake_llm.requests)
    assert all(c.purpose == "persona_distil" and c.ok and c.output_tokens > 0 for c in calls)


def test_an_unavailable_model_stops_the_step_for_a_retry_and_stores_nothing(
    memorial, fake_llm, settings
):
    settings.LEGACY_LLM_PROVIDER = "anthropic"
    fake_llm.queue("529", "529")
    version = version_new(memorial)

    with pytest.raises(LlmUnavailable) as raised:
        persona_build(version=version, progress=persona_progress(version))

    assert isinstance(raised.value, TransientError)  # the build task retries it later
    assert not PersonaFact.objects.filter(version=version).exists()
    version.refresh_from_db()
    assert "persona" not in version.steps_done
    call = LlmCall.objects.get(memorial_id=memorial.id)
    assert (call.purpose, call.ok, call.error_kind) == ("persona_distil", False, "overloaded")


def test_an_answer_that_is_not_json_gives_no_facts_rather_than_invented_ones(
    memorial, fake_llm, settings
):
    settings.LEGACY_LLM_PROVIDER = "openai"
    fake_llm.reply_text = "Tom is your brother and you grew up in Whitby."
    version = version_new(memorial)

    persona_build(version=version, progress=persona_progress(version))

    assert not PersonaFact.objects.filter(version=version).exists()
    version.refresh_from_db()
    assert "persona" in version.steps_done  # the exemplars are still chosen and stored
    assert version.exemplars.exists()
