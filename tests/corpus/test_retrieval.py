"""The one retrieval function: relevant, filtered, and never another memorial's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from corpus.models import Document, Register
from corpus.retrieval import lexemes_any_tsquery, passage_cosines, passage_retrieve
from corpus.services.documents import document_register_set
from tests.consent.factories import grant_consent
from tests.corpus.conftest import SAMPLE_CHAT, ingest, whatsapp_export
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db


def test_the_answer_comes_first(memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    results = passage_retrieve(memorial_id=memorial.id, query="dolphins on the boat trip", limit=3)
    assert "dolphins" in results[0].text.lower() or "Three of them" in results[0].text
    assert all(results[i].score >= results[i + 1].score for i in range(len(results) - 1))


def test_each_passage_carries_its_cosine_with_the_query_as_passage_cosines_reads_it(memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    query = "dolphins on the boat trip"
    results = passage_retrieve(memorial_id=memorial.id, query=query, limit=5)
    cosines = passage_cosines(
        memorial_id=memorial.id, query=query, passage_ids=[r.id for r in results]
    )
    assert len(results) == len(cosines) > 1
    assert len({round(cosines[r.id], 4) for r in results}) > 1  # not one value for all
    for result in results:
        assert result.cosine == pytest.approx(cosines[result.id], abs=1e-6)


def test_never_returns_another_memorials_passages(memorial):
    other = MemorialFactory()
    grant_consent(other, "corpus")
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    ingest(other, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    mine = set(Document.objects.get(memorial=memorial).passages.values_list("id", flat=True))
    for query in ["dolphins", "lemon drizzle cake", "tomatoes roses", "Cornwall sailing"]:
        results = passage_retrieve(memorial_id=memorial.id, query=query, limit=50)
        assert results and {r.id for r in results} <= mine


def test_filters_by_register_and_date(memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    document = Document.objects.get(memorial=memorial)
    june = datetime(2021, 6, 1, tzinfo=UTC)
    later = passage_retrieve(memorial_id=memorial.id, query="garden cake", since=june)
    assert later and all(r.sent_at >= june for r in later)
    earlier = passage_retrieve(memorial_id=memorial.id, query="dolphins", until=june)
    assert earlier and all(r.sent_at < june for r in earlier)
    assert (
        passage_retrieve(memorial_id=memorial.id, query="dolphins", registers=[Register.FAMILY])
        == []
    )
    document_register_set(document=document, register=Register.FAMILY)
    assert passage_retrieve(memorial_id=memorial.id, query="dolphins", registers=["family"])


def test_subject_only_returns_only_their_words(memorial):
    from corpus.services.documents import identity_add

    identity_add(memorial_id=memorial.id, kind="name", value="ann smith")
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    results = passage_retrieve(memorial_id=memorial.id, query="dolphins", subject_only=True)
    assert results and all(r.is_subject and r.speaker == "Ann Smith" for r in results)


def test_keyword_query_is_an_or_of_quoted_lexemes():
    assert lexemes_any_tsquery(["dolphin", "o'neil"]) == "'dolphin' | 'o''neil'"


BAKING_CHAT = [
    (datetime(2021, 5, day, 9, 0), "Ann Smith", text)
    for day, text in enumerate(
        [
            "I am baking lemon drizzle cake later.",
            "Save me a slice of that cake.",
            "The lemon tree has fruit at last.",
            "Lemon on the pancakes, as always.",
            "The cake stall sold out by noon.",
            "Another slice of toast for me.",
            "A slice of the sea in that photo.",
        ],
        start=1,
    )
]


def test_past_the_budget_keyword_candidates_hold_two_of_the_rarest_lexemes(memorial, monkeypatch):
    from django.db import connection

    from core.crypto import memorial_cipher
    from corpus import retrieval
    from corpus.search_keys import memorial_search_keys, text_tokens

    ingest(memorial, "chat.txt", whatsapp_export(BAKING_CHAT))
    texts = {
        record.id: record.text
        for record in passage_retrieve(memorial_id=memorial.id, query="cake", limit=50)
    }
    keys = memorial_search_keys(cipher=memorial_cipher(memorial_id=memorial.id))
    filters = retrieval._filters(memorial.id, None, None, None, False)

    def keyword_found() -> list[str]:
        with connection.cursor() as cursor:
            tokens = text_tokens(cursor=cursor, keys=keys, texts=["a slice of lemon cake"])[0]
            return [texts[i] for i in retrieval._keyword_ranking(cursor, tokens, filters)]

    # within the budget, a passage holding any of the words (each in 3 passages) is a candidate
    assert len(keyword_found()) == 7
    # past it, only those holding two of them are
    monkeypatch.setattr(retrieval, "MATCH_BUDGET", 2)
    found = keyword_found()
    assert len(found) == 2
    assert all("cake" in text and ("lemon" in text or "slice" in text) for text in found)
