"""The persona step, offline (rules): facts with their passages, exemplars, encrypted rows,
progress, and the twin told what the subject reviewed."""

from __future__ import annotations

import json

import pytest

from core.crypto import memorial_cipher
from corpus.writing import passages_by_id
from tests.consent.factories import grant_consent
from tests.memorials.factories import MemorialFactory
from tests.twins.persona_corpus import (
    ProgressSeen,
    corpus_ingest,
    persona_progress,
    version_new,
    version_ready,
)
from twins.models import Exemplar, FactKind, FactOrigin, PersonaFact
from twins.persona.build import RULES_LABEL, persona_build
from twins.persona.prompt import persona_instructions
from twins.persona.selectors import persona_facts_reviewed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def memorial(db):
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, "corpus")
    corpus_ingest(memorial)
    return memorial


def built(memorial, seen: ProgressSeen | None = None):
    version = version_new(memorial)
    persona_build(version=version, progress=persona_progress(version, seen))
    return version_ready(version)


def statements(version) -> dict[str, object]:
    return {fact.text: fact for fact in persona_facts_reviewed(version=version)}


def test_facts_carry_the_passages_that_state_them(memorial):
    version = built(memorial)

    facts = statements(version)
    tom = facts["Tom is your brother"]
    assert tom.kind == FactKind.PERSON and tom.detail == {"name": "Tom", "relation": "brother"}
    sources = passages_by_id(memorial_id=memorial.id, passage_ids=tom.source_passage_ids)
    texts = [passage.text for passage in sources.values()]
    assert len(texts) == 2 and all("Tom" in text and "brother" in text for text in texts)
    assert "You grew up in Whitby" in facts
    assert "You worked at the Whitby lifeboat station for thirty years" in facts
    assert "You love gardening" in facts and "You hate cold tea" in facts
    assert any(
        fact.kind == FactKind.VALUE and "promise must be kept" in text
        for text, fact in facts.items()
    )
    story = next(fact for fact in facts.values() if fact.kind == FactKind.STORY)
    assert "boat nearly sank off Falmouth harbour" in story.text
    assert len(story.source_passage_ids) == 3  # told in three chats, three years
    for fact in facts.values():  # every fact can be traced to the subject's words
        assert fact.source_passage_ids
        assert set(
            passages_by_id(memorial_id=memorial.id, passage_ids=fact.source_passage_ids)
        ) == set(fact.source_passage_ids)
        assert all(
            passage.is_subject
            for passage in passages_by_id(
                memorial_id=memorial.id, passage_ids=fact.source_passage_ids
            ).values()
        )
    assert version.llm_label == RULES_LABEL
    origins = PersonaFact.objects.filter(version=version).values_list("origin", flat=True)
    assert set(origins) == {FactOrigin.RULES}


def test_george_s_words_are_never_taken_for_the_subject_s(memorial):
    version = built(memorial)

    facts = statements(version)
    # George asked "Do you still miss the sea?" and wrote "fishing rods": not Ann's facts.
    assert not any("fishing" in text for text in facts)
    for fact in facts.values():
        for passage in passages_by_id(
            memorial_id=memorial.id, passage_ids=fact.source_passage_ids
        ).values():
            assert passage.speaker == "Ann Smith"


def test_the_pack_is_encrypted_at_rest(memorial):
    version = built(memorial)

    rows = list(PersonaFact.objects.filter(version=version))
    assert rows
    for row in rows:
        assert b"Tom" not in bytes(row.text_encrypted) and b"Whitby" not in bytes(
            row.detail_encrypted
        )
        assert "tom" not in row.fact_key.lower() or len(row.fact_key) == 64
    cipher = memorial_cipher(memorial_id=memorial.id)
    assert "Tom is your brother" in {cipher.decrypt_text(row.text_encrypted) for row in rows}
    assert json.loads(cipher.decrypt_text(rows[0].detail_encrypted)) is not None


def test_exemplars_are_the_subject_s_own_passages_of_each_register(memorial):
    version = built(memorial)

    exemplars = list(Exemplar.objects.filter(version=version))
    assert exemplars
    passages = passages_by_id(
        memorial_id=memorial.id, passage_ids=[e.passage_id for e in exemplars]
    )
    assert all(passages[e.passage_id].is_subject for e in exemplars)
    assert all(passages[e.passage_id].register == e.register for e in exemplars)
    by_register: dict[str, list[int]] = {}
    for exemplar in exemplars:
        by_register.setdefault(exemplar.register, []).append(exemplar.passage_id)
    assert all(len(ids) == len(set(ids)) for ids in by_register.values())  # diverse: no repeats


def test_the_step_reports_its_progress_to_the_end(memorial):
    seen = ProgressSeen()
    version = version_new(memorial)
    progress = persona_progress(version, seen)

    persona_build(version=version, progress=progress)

    assert seen.reports[0] == (0, 2)  # one chunk of passages, then the exemplars
    assert (progress.version.step_done, progress.version.step_total) == (2, 2)
    version.refresh_from_db()
    assert version.step_total == 2 and "persona" in version.steps_done


def test_the_twin_is_told_the_facts_and_the_subject_s_writing(memorial):
    version = built(memorial)

    told = persona_instructions(version=version)

    assert "- Tom is your brother" in told
    assert "People in your life:" in told and "Stories you tell:" in told
    exemplar = Exemplar.objects.filter(version=version).order_by("register", "rank").first()
    text = passages_by_id(memorial_id=memorial.id, passage_ids=[exemplar.passage_id])[
        exemplar.passage_id
    ].text
    assert text[:60] in told


def test_a_rebuild_writes_its_own_version_and_leaves_the_last_one_whole(memorial):
    first = built(memorial)
    before = sorted(PersonaFact.objects.filter(version=first).values_list("id", "fact_key"))

    second = built(memorial)

    assert sorted(PersonaFact.objects.filter(version=first).values_list("id", "fact_key")) == before
    keys = set(PersonaFact.objects.filter(version=second).values_list("fact_key", flat=True))
    assert keys == {key for _, key in before}  # the same writing: the same facts, the same keys
