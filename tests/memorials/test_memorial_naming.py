"""Nobody is told of a "memorial" while its subject lives: `memorials.naming` and the
`memorial_words` filters, and the pages, refusals and mails the subject's family and the
subject read."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core import mail
from django.template import Context, Template
from django.urls import reverse

from conversations.access import conversation_access
from core.consent import ConsentScope
from memorials.activation.approvals import activation_approve
from memorials.models import MemorialState, Role
from memorials.naming import memorial_noun, memorial_place, memorial_subject_living
from memorials.opening import memorial_open_while_living
from memorials.services import memorial_transition
from memorials.wishes import wishes_update
from tests.consent.factories import grant_consent

pytestmark = pytest.mark.django_db

MEMORIAL_WORD = re.compile(r"\bmemorials?\b", re.IGNORECASE)


def words_read(html: str) -> str:
    """What a person reads on a page: its text and its accessible labels, without markup,
    scripts, class names or addresses."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL | re.IGNORECASE)
    labels = " ".join(re.findall(r'(?:aria-label|title|alt|placeholder)="([^"]*)"', html))
    return unescape(re.sub(r"<[^>]+>", " ", html) + " " + labels)


def open_to_family(memorial) -> None:
    wishes_update(
        memorial=memorial, actor=memorial.subject, visitors="all_family", named_visitors=[],
        forbidden_topics=[], talk_while_living=True, sunset="none", sunset_years=None,
        sunset_on=None, ending="archive",
    )  # fmt: skip
    grant_consent(memorial, ConsentScope.CORPUS, ConsentScope.CONVERSATION_LIVING)
    memorial_open_while_living(memorial=memorial, actor=memorial.subject)


def test_a_living_subjects_memorial_is_their_legacy_until_their_death(
    memorial, pending, second_steward
):
    # given a subject who lives: preserving, sealed, then opened to their family
    assert memorial_subject_living(memorial) and memorial_noun(memorial) == "Legacy"
    assert memorial_place(memorial) == f"{memorial.name}'s Legacy"
    memorial_transition(memorial=memorial, to=MemorialState.SEALED)
    assert memorial_noun(memorial) == "Legacy"
    memorial_transition(memorial=memorial, to=MemorialState.PRESERVING)
    open_to_family(memorial)
    assert memorial.state == MemorialState.ACTIVE and memorial_noun(memorial) == "Legacy"
    # when their death is confirmed
    activation_approve(activation=pending, approver=second_steward)
    memorial.refresh_from_db()
    # then it is a memorial, and stays one when it closes
    assert not memorial_subject_living(memorial)
    assert memorial_place(memorial) == f"{memorial.name}'s memorial"
    memorial_transition(memorial=memorial, to=MemorialState.CLOSED)
    assert memorial_noun(memorial) == "memorial"


def test_the_template_filters_name_it_as_the_helper_does(memorial, pending, second_steward):
    template = Template(
        "{% load memorial_words %}{% autoescape off %}"
        "{{ m|place }} / {{ m|noun }}{% endautoescape %}"
    )
    assert template.render(Context({"m": memorial})) == f"{memorial.name}'s Legacy / Legacy"
    activation_approve(activation=pending, approver=second_steward)
    memorial.refresh_from_db()
    assert template.render(Context({"m": memorial})) == f"{memorial.name}'s memorial / memorial"


@pytest.mark.parametrize("opened", [False, True], ids=["not-open-yet", "opened-while-living"])
def test_the_family_of_a_living_subject_never_reads_memorial(client, memorial, family, opened):
    if opened:
        open_to_family(memorial)
    client.force_login(family)
    pages = [
        reverse("memorials:list"),
        memorial.get_absolute_url(),
        reverse("conversations:page", args=[memorial.id]),
    ]
    for url in pages:
        response = client.get(url)
        # (the conversation page refuses, in words, until it is open)
        assert response.status_code == (
            403 if url.endswith("/conversation/") and not opened else 200
        )
        text = words_read(response.content.decode())
        found = MEMORIAL_WORD.search(text)
        assert not found, (url, text[max(0, found.start() - 80) : found.end() + 40])
    reason = conversation_access(user=family, memorial_id=memorial.id).reason
    assert not MEMORIAL_WORD.search(reason)


def test_the_living_subject_never_reads_memorial_on_their_own_pages(client, memorial):
    client.force_login(memorial.subject)
    pages = [
        reverse("memorials:list"),
        reverse("memorials:new"),
        memorial.get_absolute_url(),
        reverse("memorials:open", args=[memorial.id]),
        reverse("memorials:wishes", args=[memorial.id]),
    ]
    for url in pages:
        text = words_read(client.get(url).content.decode())
        found = MEMORIAL_WORD.search(text)
        assert not found, (url, text[max(0, found.start() - 80) : found.end() + 40])


def test_mails_about_a_living_subject_never_say_memorial(memorial, pending):
    # given a steward asked to activate while the subject lives (the `pending` fixture sent
    # the mails to the subject and the other stewards)
    sent = [m for m in mail.outbox if m.to]
    assert any(m.to == [memorial.subject.email] for m in sent)
    for message in sent:
        body = re.sub(r"https?://\S+", "", message.body)  # addresses are not words read
        assert not MEMORIAL_WORD.search(message.subject), message.subject
        assert not MEMORIAL_WORD.search(body), message.body


def test_after_a_death_the_family_reads_of_a_memorial(
    client, memorial, family, pending, second_steward
):
    activation_approve(activation=pending, approver=second_steward)
    memorial.refresh_from_db()
    mail.outbox.clear()
    client.force_login(family)
    page = words_read(
        client.get(reverse("conversations:page", args=[memorial.id])).content.decode()
    )
    assert f"Back to {memorial.name}'s memorial" in page
    assert memorial.memberships.filter(role=Role.FAMILY, user=family).exists()
