"""The passages page: filters with or without a query, a floor under search results, the
document each comes from, newest first with a jump to a date; a register saved in place."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.urls import reverse

from corpus.models import Document, Passage
from corpus.selectors import PASSAGES_PER_PAGE, passage_search
from tests.corpus.conftest import SAMPLE_CHAT, ingest, whatsapp_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject_client(client, memorial):
    client.force_login(memorial.subject)
    return client


def _texts(page: str) -> list[str]:
    return re.findall(r'<p class="corpus-passage-text">(.*?)</p>', page, flags=re.S)


def test_date_filters_work_without_a_query(subject_client, memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    url = reverse("corpus:passages", args=[memorial.id])
    page = subject_client.get(url, {"since": "2021-06-01", "until": "2021-06-30"}).content.decode()
    texts = _texts(page)
    assert len(texts) == 3
    assert all("tomatoes" not in text for text in texts)
    assert any("dolphins" in text for text in texts)
    empty = subject_client.get(url, {"since": "2022-01-01"}).content.decode()
    assert _texts(empty) == [] and "No passages with these filters." in empty


def test_date_filters_hold_with_a_query(subject_client, memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    url = reverse("corpus:passages", args=[memorial.id])
    page = subject_client.get(url, {"q": "cake", "until": "2021-05-31"}).content.decode()
    assert any("lemon drizzle" in text for text in _texts(page))
    assert all("dolphins" not in text for text in _texts(page))


def test_nonsense_finds_nothing_and_the_page_says_so(subject_client, memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    for nonsense in ("zqxv blorpt vunkle", "asdf", "tax return deadline"):
        assert passage_search(memorial_id=memorial.id, query=nonsense) == []
    page = subject_client.get(
        reverse("corpus:passages", args=[memorial.id]), {"q": "zqxv blorpt vunkle"}
    ).content.decode()
    assert "Nothing found" in page
    assert "would draw on for this" not in page


def test_a_real_search_still_finds_by_meaning_and_by_word(memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    by_meaning = passage_search(memorial_id=memorial.id, query="seeing sea animals on holiday")
    assert by_meaning and any(word in by_meaning[0].text for word in ("dolphins", "sailing"))
    assert all("tomatoes" not in passage.text for passage in by_meaning)
    by_word = passage_search(memorial_id=memorial.id, query="Falmouth")
    assert by_word and any("Falmouth" in passage.text for passage in by_word)


def test_each_result_names_its_document(subject_client, memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    title = next(iter(passage_search(memorial_id=memorial.id, query="dolphins"))).document_title
    assert title  # the chat's own title
    url = reverse("corpus:passages", args=[memorial.id])
    for params in ({"q": "dolphins"}, {}):
        page = subject_client.get(url, params).content.decode()
        assert f">{title}</a>" in page


def test_newest_first_with_newer_and_older_links_and_a_jump_to_a_date(subject_client, memorial):
    # given more passages than a page, one a day
    days = PASSAGES_PER_PAGE + 10
    lines = [
        (datetime(2020, 1, 1 + i % 28, 12, 0).replace(month=1 + i // 28), "Ann Smith",
         f"Day number {i} of the long diary, written with care.")
        for i in range(days)
    ]  # fmt: skip
    ingest(memorial, "diary.txt", whatsapp_export(lines))
    url = reverse("corpus:passages", args=[memorial.id])
    # when the first page is opened
    first = subject_client.get(url).content.decode()
    # then it starts with the newest, and leads on to older pages only
    moments = list(
        Passage.objects.filter(memorial=memorial).order_by("-sent_at").values_list("id", flat=True)
    )
    assert len(moments) > PASSAGES_PER_PAGE
    newest = Passage.objects.get(id=moments[0])
    assert f"Day number {days - 1} " in _texts(first)[0]
    assert newest.sent_at.year == 2020
    assert ">Older</a>" in first and ">Newer</a>" not in first
    second = subject_client.get(url, {"page": 2}).content.decode()
    assert ">Newer</a>" in second and ">Older</a>" not in second
    # and a jump to a date opens the page holding that day
    jumped = subject_client.get(url, {"at": "2020-01-03"}).content.decode()
    assert any("Day number 2 " in text for text in _texts(jumped))
    assert "page 2 of 2" in jumped


def test_saving_a_register_confirms_in_place(subject_client, memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    document = Document.objects.get(memorial=memorial)
    documents = reverse("corpus:documents", args=[memorial.id])
    response = subject_client.post(
        reverse("corpus:document_register", args=[memorial.id, document.id]),
        {"register": "friends", "next": documents + "?register=family"},
    )
    assert response.status_code == 302
    assert response["Location"] == (
        f"{documents}?register=family&saved={document.id}#document-{document.id}"
    )
    page = subject_client.get(documents, {"saved": str(document.id)}).content.decode()
    assert f'id="document-{document.id}"' in page
    assert "Saved: this document is now in friends." in page
    Document.objects.filter(id=document.id, register="friends").get()
