"""The subject's portrait page: plain words per register, comparisons, what it is based
on; striking a phrase, adding a note and taking either back; only the subject sees it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.audit import AuditEvent
from core.consent import ConsentScope
from memorials.models import Role
from tests.consent.factories import grant_consent
from tests.memorials.factories import MembershipFactory, MemorialFactory
from tests.twins.portrait_writing import ann_writing_ingest, twin_version_built
from twins.models import StyleCorrection
from twins.portrait.prompt import portrait_instructions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def memorial():
    memorial = MemorialFactory(name="Ann Smith")
    grant_consent(memorial, ConsentScope.CORPUS)
    return memorial


@pytest.fixture
def built(memorial):
    ann_writing_ingest(memorial)
    return twin_version_built(memorial)


def _page(client, memorial) -> str:
    response = client.get(reverse("twins:portrait", args=[memorial.id]))
    assert response.status_code == 200
    return response.content.decode()


def _correct(client, memorial, register, kind, text):
    return client.post(
        reverse("twins:portrait_correct", args=[memorial.id]),
        {"register": register, "kind": kind, "text": text},
        follow=True,
    )


def test_the_portrait_reads_in_plain_words_with_what_it_is_based_on(client, memorial, built):
    client.force_login(memorial.subject)

    page = _page(client, memorial)

    assert "With family" in page and "At work" in page
    assert "From 15 messages, 137 words." in page
    assert "You write short notes" in page
    assert "You often open with “Dear Raj” and sign off “Kind regards, Ann”." in page
    assert "At work you hedge" in page  # the registers compared
    assert "emoji (😊" in page


def test_only_the_subject_sees_the_portrait(client, memorial, built):
    url = reverse("twins:portrait", args=[memorial.id])
    for role in (Role.STEWARD, Role.FAMILY):
        client.force_login(MembershipFactory(memorial=memorial, role=role).user)
        assert client.get(url).status_code == 404
        response = _correct(client, memorial, "family", "note", "I am not Ann")
        assert response.status_code == 404
    assert not StyleCorrection.objects.exists()
    client.logout()
    assert client.get(url).status_code == 302  # to sign in


def test_before_a_build_the_page_says_so_and_points_to_the_twin(client, memorial):
    client.force_login(memorial.subject)

    page = _page(client, memorial)

    assert "Your twin is not built yet" in page
    assert reverse("twins:overview", args=[memorial.id]) in page


def test_a_struck_sign_off_leaves_the_portrait_and_the_instructions_until_undone(
    client, memorial, built
):
    client.force_login(memorial.subject)
    assert "Kind regards, Ann" in portrait_instructions(version=built)

    page = _correct(client, memorial, "professional", "strike", "Kind regards, Ann")

    text = page.content.decode()
    assert "Struck out. Your twin will never use it." in text
    assert "sign off “Kind regards, Ann”" not in text
    assert "<s>Kind regards, Ann</s>" in text
    instructions = portrait_instructions(version=built)
    assert 'Never write "Kind regards, Ann" (at work).' in instructions
    assert "Kind regards, Ann" not in instructions.split("How the person writes")[1]
    correction = StyleCorrection.objects.get()
    assert b"regards" not in bytes(correction.text_encrypted)
    event = AuditEvent.objects.filter(action="twins.style_corrected").get()
    assert "regards" not in str(event.data)

    # when it is taken back
    client.post(reverse("twins:portrait_correction_remove", args=[memorial.id, correction.id]))

    assert "sign off “Kind regards, Ann”" in _page(client, memorial)
    assert 'Never write "Kind regards, Ann"' not in portrait_instructions(version=built)


def test_striking_a_word_takes_every_phrase_holding_it(client, memorial, built):
    client.force_login(memorial.subject)

    _correct(client, memorial, "family", "strike", "LOVE")

    instructions = portrait_instructions(version=built, register="family")
    assert '"love you x"' not in instructions and '"love"' not in instructions
    assert 'Never write "LOVE" (with family).' in instructions


def test_a_note_is_shown_and_comes_first_in_the_instructions(client, memorial, built):
    client.force_login(memorial.subject)

    page = _correct(client, memorial, "family", "note", "I never swear with the children.")

    assert "I never swear with the children." in page.content.decode()
    instructions = portrait_instructions(version=built)
    assert instructions.index("I never swear with the children.") < instructions.index(
        "How the person writes"
    )
    assert "With family: I never swear with the children." in instructions
    # and the instructions for another register do not carry it
    assert "swear" not in portrait_instructions(version=built, register="professional")


def test_an_empty_correction_is_refused_plainly(client, memorial, built):
    client.force_login(memorial.subject)

    page = _correct(client, memorial, "family", "note", "   ")

    assert "Write the phrase or the note first." in page.content.decode()
    assert not StyleCorrection.objects.exists()
