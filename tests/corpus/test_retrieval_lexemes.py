"""The keyword side's lexeme statistics, and the lexemes it leaves out for speed."""

from __future__ import annotations

import pytest
from django.db import connection

from core.crypto import memorial_cipher
from corpus.models import CorpusStatistics, Document, LexemeFrequency
from corpus.retrieval import MATCH_BUDGET, MAX_SHARE, keyword_plan
from corpus.search_keys import memorial_search_keys
from corpus.services.deletions import document_delete
from tests.corpus.conftest import SAMPLE_CHAT, ingest, whatsapp_export


def test_common_lexemes_score_but_only_the_rarest_find_candidates():
    passages = 100_000
    plan = keyword_plan(
        passages=passages,
        lexemes=passages * 20,
        frequencies={
            "dolphin": 40,
            "trip": MATCH_BUDGET - 40,  # together with dolphin, just within the budget
            "boat": MATCH_BUDGET,  # past the budget: scores, finds nothing itself
            "ann": int(MAX_SHARE * passages) + 1,  # too common to count at all
        },
    )
    assert plan is not None
    assert plan.matching == [("dolphin",), ("trip",)]
    assert plan.candidates_tsquery() == "('dolphin') | ('trip')"
    assert set(plan.idf) == {"dolphin", "boat", "trip"}
    assert plan.idf["dolphin"] > plan.idf["trip"] > plan.idf["boat"]
    assert plan.average_length == 20


def test_past_the_budget_candidates_hold_two_of_the_three_rarest_lexemes():
    plan = keyword_plan(
        passages=100_000,
        lexemes=2_000_000,
        frequencies={"cake": 5_000, "lemon": 4_000, "slice": 3_000, "sunday": 6_000},
    )
    assert plan is not None
    assert plan.matching == [("slice", "lemon"), ("slice", "cake"), ("lemon", "cake")]
    assert plan.candidates_tsquery() == (
        "('slice' & 'lemon') | ('slice' & 'cake') | ('lemon' & 'cake')"
    )
    assert set(plan.idf) == {"cake", "lemon", "slice", "sunday"}


def test_a_lone_lexeme_past_the_budget_finds_no_candidates():
    assert keyword_plan(passages=100_000, lexemes=2_000_000, frequencies={"lemon": 4_000}) is None
    plan = keyword_plan(passages=100_000, lexemes=2_000_000, frequencies={"lemon": 2_000})
    assert plan is not None and plan.matching == [("lemon",)]


def test_no_plan_when_every_lexeme_is_too_common_or_absent():
    passages = 100_000
    common = int(MAX_SHARE * passages) + 1
    frequencies = {"ann": common, "absent": 0}
    assert keyword_plan(passages=passages, lexemes=passages, frequencies=frequencies) is None


def test_a_tiny_memorial_keeps_even_its_most_common_lexemes():
    plan = keyword_plan(passages=10, lexemes=100, frequencies={"ann": 9, "cake": 1})
    assert plan is not None and set(plan.idf) == {"ann", "cake"}


@pytest.mark.django_db
def test_frequencies_follow_the_passages_written_and_deleted(memorial, django_user_model):
    # given
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lexeme, count(*) FROM corpus_passage, unnest(tsvector_to_array(search))"
            " AS lexeme WHERE memorial_id = %s GROUP BY lexeme",
            [memorial.id],
        )
        counted = dict(cursor.fetchall())
    # then
    stored = dict(
        LexemeFrequency.objects.filter(memorial=memorial).values_list("lexeme", "passages")
    )
    keys = memorial_search_keys(cipher=memorial_cipher(memorial_id=memorial.id))
    assert stored == counted and keys.token("dolphin") in stored
    statistics = CorpusStatistics.objects.get(memorial=memorial)
    assert statistics.passages == memorial.passages.count()
    # when
    document_delete(document=Document.objects.get(memorial=memorial), actor=memorial.subject)
    # then
    assert not LexemeFrequency.objects.filter(memorial=memorial).exists()
    assert CorpusStatistics.objects.get(memorial=memorial).passages == 0
