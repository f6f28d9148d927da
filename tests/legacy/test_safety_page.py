"""The published safety protocol (issue 12, point 1): a public page, in plain words, reached
from every page's footer and from the conversation page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.consent.factories import grant_consent
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db

URL = "/safety/"


def test_anyone_reads_it_without_signing_in(client):
    response = client.get(URL)

    assert response.status_code == 200
    assert reverse("safety") == URL
    page = response.content.decode()
    assert "<h1>How Legacy keeps you safe</h1>" in page
    for promise in (
        "suicide, self-harm and deep despair",
        "on Legacy's own server",
        "The twin steps out of the person's voice",
        "not shown\n                what you wrote unless you agree",
        "every three hours",
        "kindly refuses to give passwords, PINs",
        "quiet hours",
        "under 18",
        "The twin never reaches out",
        "bench/safety_eval.py",
        "How to reach us",
    ):
        assert promise in page, promise


def test_it_names_crisis_lines_for_the_countries_of_the_issue(client):
    page = client.get(URL).content.decode()

    for country, number in (
        ("the United States", "988"),
        ("Canada", "988"),
        ("the United Kingdom", "116 123"),
        ("Ireland", "116 123"),
        ("Australia", "13 11 14"),
        ("New Zealand", "1737"),
        ("the European Union", "112"),
    ):
        section = page.split(f"<h3>In {country}</h3>", 1)[1].split("</ul>", 1)[0]
        assert number in section, country
    assert 'href="tel:131114"' in page


def test_it_only_reads(client):
    assert client.post(URL).status_code == 405


def test_every_page_s_footer_leads_to_it(client):
    footer = client.get("/").content.decode().split('<footer class="site-footer">', 1)[1]

    assert f'href="{URL}"' in footer


def test_the_conversation_page_leads_to_it(client):
    memorial = MemorialFactory()
    grant_consent(memorial, "corpus")
    client.force_login(memorial.subject)

    page = client.get(reverse("conversations:page", args=[memorial.id])).content.decode()

    assert f'<a href="{URL}">How Legacy keeps you safe</a>' in page.split("</main>", 1)[0]


def test_it_says_the_checks_can_miss_someone_at_risk_and_not_to_wait_for_them(client):
    page = client.get(URL).content.decode()

    assert "No check reads every message rightly" in page
    assert "please do not wait for Legacy to notice" in page
