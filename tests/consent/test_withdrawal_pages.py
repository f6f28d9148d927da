"""After a withdrawal, the pages speak to the subject and offer to sign again (issue 14,
point 8)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consent.services import consent_revoke
from core.consent import ConsentScope
from tests.consent.factories import ConsentRecordFactory
from tests.memorials.factories import MemorialFactory

pytestmark = pytest.mark.django_db


def withdrawn_memorial():
    memorial = MemorialFactory()
    ConsentRecordFactory(memorial=memorial, scope=ConsentScope.CORPUS)
    consent_revoke(user=memorial.subject, memorial_id=memorial.id, scope=ConsentScope.CORPUS)
    return memorial


def test_withdrawing_says_it_can_be_signed_again_and_the_overview_offers_it(
    client, consent_documents
):
    memorial = MemorialFactory()
    ConsentRecordFactory(memorial=memorial, scope=ConsentScope.CORPUS)
    client.force_login(memorial.subject)
    revoke = reverse("consent:revoke", args=[memorial.id, "corpus"])
    response = client.post(revoke, follow=True)
    page = response.content.decode()
    assert "You can sign it again here whenever you wish" in page
    card = page.split('data-scope="corpus"')[1].split("</li>")[0]
    assert "Withdrawn" in card and "data-withdrawn" in card and "Read and sign again" in card
    assert reverse("consent:sign", args=[memorial.id, "corpus"]) in card
    # a scope never signed is still "Not given", with a first signature offered
    voice = page.split('data-scope="voice"')[1].split("</li>")[0]
    assert "Not given" in voice and "Read and sign again" not in voice


def test_the_passages_page_asks_for_the_consent_again(client, consent_documents):
    memorial = withdrawn_memorial()
    client.force_login(memorial.subject)
    passages = reverse("corpus:passages", args=[memorial.id])
    page = client.get(passages).content.decode()
    assert 'data-consent-needed="corpus"' in page
    assert reverse("consent:sign", args=[memorial.id, "corpus"]) in page
    assert "the subject" not in page
    # a search (which needs it) says so once, and does not claim there is nothing
    page = client.get(passages, {"q": "garden"}).content.decode()
    assert page.count("data-consent-needed") == 1
    assert (
        "Nothing found" not in page and "No passages yet" not in page and "the subject" not in page
    )


def test_with_the_consent_given_the_passages_page_asks_for_nothing(client, consent_documents):
    memorial = MemorialFactory()
    ConsentRecordFactory(memorial=memorial, scope=ConsentScope.CORPUS)
    client.force_login(memorial.subject)
    page = client.get(reverse("corpus:passages", args=[memorial.id])).content.decode()
    assert "data-consent-needed" not in page and "No passages yet" in page


def test_an_action_refused_for_want_of_consent_speaks_to_the_subject(client, consent_documents):
    memorial = withdrawn_memorial()
    client.force_login(memorial.subject)
    response = client.post(
        reverse("corpus:identity_add", args=[memorial.id]),
        {"kind": "name", "value": "Annie"},
        follow=True,
    )
    page = response.content.decode()
    assert "This needs your consent for “your writing”" in page
    assert "the subject" not in page
