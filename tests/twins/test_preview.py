"""The subject's preview page: only they may ask their twin, only while preserving; they see
the reply, who answered, the passages it drew on, and a notice when the provider failed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from memorials.models import MemorialState, Role
from tests.accounts.factories import UserFactory
from tests.memorials.factories import MembershipFactory
from tests.twins.twin_ready import memorial_with_writing, version_ready

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def memorial():
    memorial = memorial_with_writing()
    version_ready(memorial)
    return memorial


def preview_url(memorial) -> str:  # type: ignore[no-untyped-def]
    return reverse("twins:preview", args=[memorial.id])


def test_the_subject_asks_and_sees_the_reply_who_answered_and_what_it_drew_on(client, memorial):
    client.force_login(memorial.subject)

    page = client.post(preview_url(memorial), {"question": "Where did you grow up?"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "Where did you grow up?" in html
    assert "I grew up in Whitby, by the sea." in html
    assert (
        "Answered by: Offline: sentences they wrote, picked by matching words (no language model)"
        in html
    )
    # the passage it drew on, with its date and register; not one that does not bear on it
    drawn = html.split('class="plain preview-passages"')[1].split("</ol>")[0]
    assert "I grew up in Whitby, by the sea." in drawn
    assert "1 May 2020" in drawn and "Friends" in drawn
    # and the document each comes from: its title, and what it is
    assert "From “George” · WhatsApp chat" in drawn
    assert "Three dolphins" not in drawn
    # George's words are not the twin's: not in its reply; shown, if drawn on, as his
    reply = html.split('class="preview-text"')[1].split("</p>")[0]
    assert "Leeds" not in reply
    if "Leeds" in drawn:
        assert "written to you by George" in drawn


def test_the_page_names_who_answers_before_anything_is_asked(client, memorial):
    client.force_login(memorial.subject)

    page = client.get(preview_url(memorial))

    assert (
        "Who answers: <strong>Offline: sentences they wrote, picked by matching words "
        "(no language model)</strong>" in page.content.decode()
    )


def test_earlier_questions_of_the_visit_stay_on_the_page(client, memorial):
    client.force_login(memorial.subject)
    first = client.post(preview_url(memorial), {"question": "Where did you grow up?"})
    assert 'name="asked" value="Where did you grow up?"' in first.content.decode()

    second = client.post(
        preview_url(memorial),
        {
            "question": "Did you see dolphins?",
            "asked": ["Where did you grow up?"],
            "answered": ["I grew up in Whitby, by the sea."],
            "answered_by": ["Offline"],
        },
    )

    html = second.content.decode()
    assert "Earlier in this visit" in html and "Where did you grow up?" in html
    assert "Three dolphins, jumping beside the boat!" in html


def test_earlier_turns_reach_the_provider_as_the_conversation(client, memorial, fake_llm, settings):
    settings.LEGACY_LLM_PROVIDER = "anthropic"
    client.force_login(memorial.subject)

    page = client.post(
        preview_url(memorial),
        {
            "question": "And the dog?",
            "asked": ["Where did you grow up?"],
            "answered": ["By the sea."],
            "answered_by": ["Claude (Anthropic)"],
        },
    )

    assert fake_llm.reply_text in page.content.decode()
    messages = fake_llm.requests[-1]["body"]["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert "Answered by: Claude (Anthropic)" in page.content.decode()


def test_when_the_provider_fails_the_page_says_so_and_answers_in_their_own_words(
    client, memorial, fake_llm, settings
):
    settings.LEGACY_LLM_PROVIDER = "anthropic"
    fake_llm.queue("529", "529")
    client.force_login(memorial.subject)

    page = client.post(preview_url(memorial), {"question": "Where did you grow up?"})

    html = page.content.decode()
    assert "Claude is overloaded right now. These are sentences they wrote instead." in html
    assert "I grew up in Whitby, by the sea." in html
    assert "Answered by: Offline" in html


@pytest.mark.parametrize("role", [Role.STEWARD, Role.FAMILY])
def test_nobody_but_the_subject_may_open_it(client, memorial, role):
    member = MembershipFactory(memorial=memorial, role=role).user
    client.force_login(member)

    assert client.get(preview_url(memorial)).status_code == 404
    assert client.post(preview_url(memorial), {"question": "Hello?"}).status_code == 404


def test_a_stranger_gets_not_found_and_a_visitor_is_asked_to_sign_in(client, memorial):
    assert client.get(preview_url(memorial)).status_code == 302
    client.force_login(UserFactory())
    assert client.get(preview_url(memorial)).status_code == 404


@pytest.mark.parametrize("state", [MemorialState.SEALED, MemorialState.ACTIVE])
def test_once_no_longer_preserving_the_page_explains_calmly_and_answers_nothing(
    client, memorial, state
):
    memorial.state = state
    memorial.save(update_fields=["state"])
    client.force_login(memorial.subject)

    page = client.post(preview_url(memorial), {"question": "Where did you grow up?"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "Trying your twin is for while you are still preserving yourself." in html
    assert "Whitby" not in html and "<textarea" not in html


def test_before_the_twin_is_built_it_says_so(client):
    memorial = memorial_with_writing()
    client.force_login(memorial.subject)

    page = client.post(preview_url(memorial), {"question": "Where did you grow up?"})

    assert "Your twin is not built yet" in page.content.decode()
    assert "Whitby" not in page.content.decode()


def test_the_twin_page_links_to_the_preview(client, memorial):
    client.force_login(memorial.subject)

    page = client.get(reverse("twins:overview", args=[memorial.id]))

    assert preview_url(memorial) in page.content.decode()
