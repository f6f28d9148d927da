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
