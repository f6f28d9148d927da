"""Deleting a passage or a document can be undone for a while, then it is purged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from corpus.models import CorpusStatistics, DeletedPassage, Deletion, Document, Passage
from corpus.retrieval import passage_retrieve
from corpus.selectors import corpus_counts
from corpus.services.deletions import (
    RestoreRefused,
    deletion_restore,
    deletions_purge,
    document_delete,
    passage_delete,
)
from corpus.tasks import deletions_purge as deletions_purge_task
from memorials.erasure.services import memorial_erase
from memorials.models import Role
from tests.corpus.conftest import SAMPLE_CHAT, ingest, whatsapp_export
from tests.memorials.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(memorial):
    ingest(memorial, "chat.txt", whatsapp_export(SAMPLE_CHAT))
    return Document.objects.get(memorial=memorial)


def _dolphins(memorial) -> list[int]:
    return [
        p.id
        for p in passage_retrieve(memorial_id=memorial.id, query="dolphins near Falmouth", limit=3)
    ]


def test_a_deleted_passage_is_hidden_at_once_and_comes_back_whole(memorial, chat):
    # given the passage a search finds first
    passage = Passage.objects.get(id=_dolphins(memorial)[0])
    before = Passage.objects.filter(id=passage.id).values().get()
    statistics = CorpusStatistics.objects.get(memorial=memorial).passages
    # when it is deleted
    deletion = passage_delete(passage=passage, actor=memorial.subject)
    # then retrieval, counts and the document no longer see it
    assert passage.id not in _dolphins(memorial)
    assert corpus_counts(memorial_id=memorial.id)["passages"] == len(SAMPLE_CHAT) - 1
    assert CorpusStatistics.objects.get(memorial=memorial).passages == statistics - 1
    assert Document.objects.get(id=chat.id).passages_count == len(SAMPLE_CHAT) - 1
    # and when it is put back, it is the same row again, found again
    assert deletion_restore(deletion=deletion, actor=memorial.subject) == 1
    assert Passage.objects.filter(id=passage.id).values().get() == before
    assert _dolphins(memorial)[0] == passage.id
    assert CorpusStatistics.objects.get(memorial=memorial).passages == statistics
    assert Document.objects.get(id=chat.id).passages_count == len(SAMPLE_CHAT)
    assert not Deletion.objects.exists() and not DeletedPassage.objects.exists()


def test_a_deleted_document_comes_back_with_its_passages(memorial, chat):
    document_row = Document.objects.filter(id=chat.id).values().get()
    deletion = document_delete(document=chat, actor=memorial.subject)
    assert deletion.passages == len(SAMPLE_CHAT)
    assert corpus_counts(memorial_id=memorial.id) == {"documents": 0, "passages": 0}
    assert _dolphins(memorial) == []
    deletion_restore(deletion=deletion, actor=memorial.subject)
    assert Document.objects.filter(id=chat.id).values().get() == document_row
    assert corpus_counts(memorial_id=memorial.id) == {
        "documents": 1,
        "passages": len(SAMPLE_CHAT),
    }
    assert _dolphins(memorial)


def test_a_passage_whose_document_went_since_is_refused(memorial, chat):
    passage_deletion = passage_delete(
        passage=Passage.objects.filter(memorial=memorial).first(), actor=memorial.subject
    )
    document_delete(document=chat, actor=memorial.subject)
    with pytest.raises(RestoreRefused, match="document"):
        deletion_restore(deletion=passage_deletion, actor=memorial.subject)
    assert Deletion.objects.filter(id=passage_deletion.id).exists()  # still there to try later


def test_the_purge_removes_only_what_is_older_than_the_window(memorial, chat, settings):
    settings.CORPUS_DELETE_UNDO_HOURS = 24
    old = passage_delete(
        passage=Passage.objects.filter(memorial=memorial).first(), actor=memorial.subject
    )
    Deletion.objects.filter(id=old.id).update(created_at=timezone.now() - dt.timedelta(hours=25))
    recent = passage_delete(
        passage=Passage.objects.filter(memorial=memorial).first(), actor=memorial.subject
    )
    deletions_purge_task.apply()  # as beat runs it
    assert list(Deletion.objects.values_list("id", flat=True)) == [recent.id]
    assert DeletedPassage.objects.filter(deletion=old.id).count() == 0
    assert deletions_purge() == 0


def test_the_kill_switch_erases_what_was_set_aside(memorial, chat):
    document_delete(document=chat, actor=memorial.subject)
    memorial_erase(memorial=memorial, actor=memorial.subject, reason="kill switch pulled")
    assert not Deletion.objects.filter(memorial=memorial).exists()
    assert not DeletedPassage.objects.exists()


def test_deleting_an_upload_purges_what_was_set_aside_from_it(client, memorial, chat):
    document_delete(document=chat, actor=memorial.subject)
    client.force_login(memorial.subject)
    client.post(reverse("corpus:upload_delete", args=[memorial.id, chat.upload_id]))
    assert not Deletion.objects.exists() and not DeletedPassage.objects.exists()


def test_undo_from_the_page(client, memorial, chat):
    client.force_login(memorial.subject)
    passages = reverse("corpus:passages", args=[memorial.id])
    passage = Passage.objects.filter(memorial=memorial).first()
    response = client.post(
        reverse("corpus:passage_delete", args=[memorial.id, passage.id]),
        {"next": passages},
        follow=True,
    )
    page = response.content.decode()
    assert "Recently deleted" in page and "Undo" in page
    assert "put it back" in page
    deletion = Deletion.objects.get()
    response = client.post(
        reverse("corpus:deletion_undo", args=[memorial.id, deletion.id]),
        {"next": passages},
        follow=True,
    )
    assert "The passage is back, with 1 passage." in response.content.decode()
    assert Passage.objects.filter(id=passage.id).exists()
    assert "Recently deleted" not in response.content.decode()


def test_undo_is_the_subjects_alone(client, memorial, chat):
    deletion = document_delete(document=chat, actor=memorial.subject)
    family = MembershipFactory(memorial=memorial, role=Role.FAMILY)
    client.force_login(family.user)
    response = client.post(reverse("corpus:deletion_undo", args=[memorial.id, deletion.id]))
    assert response.status_code == 404
    assert not Document.objects.exists()
