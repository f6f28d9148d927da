"""The twin's page and its card on the memorial page, through the Django test client."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.consent import ConsentScope
from memorials.models import Role
from tests.consent.factories import grant_consent
from tests.corpus.conftest import ingest
from tests.memorials.factories import MembershipFactory, MemorialFactory
from twins.models import BuildStatus, Twin, TwinVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def memorial():
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, ConsentScope.CORPUS)
    return memorial


def test_the_twin_page_is_the_subjects_alone(client, memorial):
    url = reverse("twins:overview", args=[memorial.id])
    for role in (Role.STEWARD, Role.FAMILY):
        client.force_login(MembershipFactory(memorial=memorial, role=role).user)
        assert client.get(url).status_code == 404
        assert client.post(reverse("twins:build", args=[memorial.id])).status_code == 404
    client.force_login(memorial.subject)
    assert client.get(url).status_code == 200
    assert not TwinVersion.objects.exists()


def test_with_no_writing_the_page_asks_for_writing_first(client, memorial):
    client.force_login(memorial.subject)
    page = client.get(reverse("twins:overview", args=[memorial.id])).content.decode()
    assert "Add some of your writing first" in page
    assert "Build my twin" not in page


def test_the_subject_starts_a_build_and_sees_its_bar(client, memorial):
    ingest(memorial, "journal.txt", b"# 2020-01-02\nI walked by the sea today. It was cold.")
    client.force_login(memorial.subject)
    page = client.get(reverse("twins:overview", args=[memorial.id])).content.decode()
    assert "Build my twin" in page

    response = client.post(reverse("twins:build", args=[memorial.id]), follow=True)

    version = TwinVersion.objects.get(twin__memorial=memorial)
    assert version.status == BuildStatus.QUEUED
    page = response.content.decode()
    assert "is being built (version 1)" in page
    assert "data-twin-bar" in page and 'data-status="queued"' in page


def test_a_failed_build_shows_its_reason_and_try_again(client, memorial):
    twin = Twin.objects.create(memorial=memorial)
    TwinVersion.objects.create(
        twin=twin, number=1, status=BuildStatus.FAILED, failure="The language model is busy."
    )
    client.force_login(memorial.subject)
    page = client.get(reverse("twins:overview", args=[memorial.id])).content.decode()
    assert "The language model is busy." in page
    assert "Try again" in page


def test_stewards_follow_the_build_on_the_memorial_page_without_acting(client, memorial):
    twin = Twin.objects.create(memorial=memorial)
    TwinVersion.objects.create(twin=twin, number=1, status=BuildStatus.BUILDING, step="persona")
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD).user
    family = MembershipFactory(memorial=memorial, role=Role.FAMILY).user

    client.force_login(steward)
    page = client.get(memorial.get_absolute_url()).content.decode()
    assert "Ann Smith\u2019s twin" in page
    assert "Gathering what you know and care about" in page
    assert "Build my twin" not in page and "Rebuild" not in page

    client.force_login(family)
    page = client.get(memorial.get_absolute_url()).content.decode()
    assert "data-twin-build" not in page


def test_a_stale_twin_offers_the_subject_a_rebuild(client, memorial):
    ingest(memorial, "journal.txt", b"# 2020-01-02\nI walked by the sea today. It was cold.")
    twin = Twin.objects.create(memorial=memorial, stale_reason="new writing was added")
    TwinVersion.objects.create(twin=twin, number=1, status=BuildStatus.READY)
    Twin.objects.filter(pk=twin.pk).update(stale_since="2026-01-01T00:00:00Z")
    client.force_login(memorial.subject)
    page = client.get(memorial.get_absolute_url()).content.decode()
    assert "Your writing has changed since this twin was built" in page
    assert "new writing was added" in page
    assert "Rebuild my twin" in page
