"""The subject reviews their persona pack: confirm, correct in their own words, delete, undo;
the review is kept on the twin and applies to every later version; only the subject sees it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from consent.services import consent_revoke
from core.audit import AuditEvent
from core.holders import holders
from memorials.models import Role
from tests.consent.factories import grant_consent
from tests.memorials.factories import MembershipFactory, MemorialFactory
from tests.twins.persona_corpus import (
    corpus_ingest,
    persona_progress,
    version_new,
    version_ready,
)
from twins.models import FactReview, PersonaFact
from twins.persona.build import persona_build
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


def built(memorial):
    version = version_new(memorial)
    persona_build(version=version, progress=persona_progress(version))
    return version_ready(version)


def fact_of(version, text: str) -> PersonaFact:
    fact_id = next(f.id for f in persona_facts_reviewed(version=version) if f.text == text)
    return PersonaFact.objects.get(pk=fact_id)


def review(client, memorial, fact, decision: str, text: str = ""):
    url = reverse("twins:persona_fact_review", args=[memorial.id, fact.id])
    return client.post(url, {"decision": decision, "text": text}, follow=True)


def page(client, memorial) -> str:
    response = client.get(reverse("twins:persona", args=[memorial.id]))
    assert response.status_code == 200
    return response.content.decode()


def test_only_the_subject_sees_the_pack(client, memorial):
    version = built(memorial)
    fact = fact_of(version, "Tom is your brother")
    url = reverse("twins:persona", args=[memorial.id])
    for member in (MembershipFactory(memorial=memorial, role=Role.FAMILY).user,
                   MembershipFactory(memorial=memorial, role=Role.STEWARD).user,
                   MemorialFactory().subject):  # fmt: skip
        client.force_login(member)
        assert client.get(url).status_code == 404
        assert review(client, memorial, fact, "deleted").status_code == 404
    assert not FactReview.objects.exists()


def test_before_a_build_the_page_says_the_twin_is_not_built_yet(client):
    memorial = MemorialFactory(name="Ann Smith")
    client.force_login(memorial.subject)

    assert "Your twin is not built yet" in page(client, memorial)


def test_the_page_shows_facts_by_kind_with_the_passages_they_came_from(client, memorial):
    built(memorial)
    client.force_login(memorial.subject)

    html = page(client, memorial)

    assert "People in your life" in html and "Stories you tell" in html
    tom = html[html.index("Tom is your brother") :]
    tom = tom[: tom.index("</li>")]
    assert "2 passages of your writing" in tom
    assert "Morning love! My brother Tom is coming to stay" in tom
    assert "Tom, my brother, rang from Leeds" in tom


def test_confirm_correct_delete_and_undo_show_on_the_page(client, memorial):
    version = built(memorial)
    client.force_login(memorial.subject)
    tom = fact_of(version, "Tom is your brother")
    whitby = fact_of(version, "You grew up in Whitby")
    tea = fact_of(version, "You hate cold tea")

    review(client, memorial, tom, "confirmed")
    response = review(
        client, memorial, whitby, "corrected", "You grew up in Whitby, on the harbour."
    )
    assert "Corrected. Your twin will use your words." in response.content.decode()
    review(client, memorial, tea, "deleted")

    html = page(client, memorial)
    assert "You confirmed this." in html
    assert "You grew up in Whitby, on the harbour." in html and "It first read:" in html
    deleted = html[html.index("Facts you deleted (1)") :]
    assert "You hate cold tea" in deleted
    # when the subject takes the deletion back
    client.post(reverse("twins:persona_fact_undo", args=[memorial.id, tea.id]))
    assert "Facts you deleted" not in page(client, memorial)
    assert not FactReview.objects.filter(fact_key=tea.fact_key).exists()


def test_a_correction_needs_words_and_is_stored_encrypted(client, memorial):
    version = built(memorial)
    client.force_login(memorial.subject)
    whitby = fact_of(version, "You grew up in Whitby")

    response = review(client, memorial, whitby, "corrected", "   ")
    assert "Write the fact as it should be" in response.content.decode()
    assert not FactReview.objects.exists()

    review(client, memorial, whitby, "corrected", "You grew up in Scarborough")
    stored = FactReview.objects.get()
    assert b"Scarborough" not in bytes(stored.corrected_encrypted)


def test_changes_are_audited_without_their_words_and_a_repeat_is_not(client, memorial):
    version = built(memorial)
    client.force_login(memorial.subject)
    whitby = fact_of(version, "You grew up in Whitby")
    before = AuditEvent.objects.count()

    review(client, memorial, whitby, "corrected", "You grew up in Scarborough")
    review(client, memorial, whitby, "corrected", "You grew up in Scarborough")  # the same again
    client.post(reverse("twins:persona_fact_undo", args=[memorial.id, whitby.id]))

    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == [
        "twins.persona_fact_reviewed",
        "twins.persona_fact_review_undone",
    ]
    assert all("Scarborough" not in str(e.data) and "Whitby" not in str(e.data) for e in events)


def test_a_review_survives_a_rebuild_and_the_twin_follows_it(client, memorial):
    first = built(memorial)
    client.force_login(memorial.subject)
    review(client, memorial, fact_of(first, "You hate cold tea"), "deleted")
    review(client, memorial, fact_of(first, "You grew up in Whitby"), "corrected",
           "You grew up in Whitby, on the harbour.")  # fmt: skip
    review(client, memorial, fact_of(first, "You love gardening"), "confirmed")

    second = built(memorial)

    told = persona_instructions(version=second)
    assert "cold tea" not in told
    assert "- You grew up in Whitby, on the harbour. (you confirmed this)" in told
    assert "- You grew up in Whitby\n" not in told
    assert "- You love gardening (you confirmed this)" in told
    first_lines = [line for line in told.splitlines() if line.startswith("- ")][:2]
    assert all("(you confirmed this)" in line for line in first_lines)  # checked ones first
    html = page(client, memorial)
    assert f"Version {second.number}" in html
    assert "You grew up in Whitby, on the harbour." in html and "Facts you deleted (1)" in html


def test_a_fact_of_another_memorial_cannot_be_reviewed(client, memorial):
    version = built(memorial)
    other = MemorialFactory(name="Bob Jones")
    client.force_login(other.subject)

    response = review(client, other, fact_of(version, "Tom is your brother"), "deleted")

    assert response.status_code == 404 and not FactReview.objects.exists()


class Collected:
    def __init__(self) -> None:
        self.files: dict[str, Any] = {}

    def write_json(self, path: str, data: Any) -> None:
        self.files[path] = data

    def write_bytes(self, path: str, chunks) -> None:  # type: ignore[no-untyped-def]
        self.files[path] = b"".join(chunks)


def test_the_export_holds_the_pack_and_the_subject_s_words(client, memorial):
    version = built(memorial)
    client.force_login(memorial.subject)
    review(client, memorial, fact_of(version, "You grew up in Whitby"), "corrected",
           "You grew up in Whitby, on the harbour.")  # fmt: skip
    holder = next(h for h in holders() if h.name == "twins.twin")
    writer = Collected()

    holder.export(memorial.id, writer)

    exported = writer.files["twins/persona.json"]
    [exported_version] = exported["versions"]
    whitby = next(f for f in exported_version["facts"] if f["text"] == "You grew up in Whitby")
    assert whitby["your_review"] == "corrected"
    assert whitby["your_words"] == "You grew up in Whitby, on the harbour."
    assert whitby["source_passage_ids"]
    assert exported["reviews"][0]["your_words"] == "You grew up in Whitby, on the harbour."


def test_with_the_writing_s_consent_withdrawn_the_pack_stays_closed(client, memorial):
    built(memorial)
    consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope="corpus")
    client.force_login(memorial.subject)

    html = page(client, memorial)

    assert "stays closed while that consent is withdrawn" in html
    assert "Tom is your brother" not in html
