"""Crisis care's words and numbers: the helplines table (every country the issue names, a
replaceable table), the visitor's country (theirs, else their browser's, else the default),
the care reply's plain words, and the care card on the conversation page with lines to tap
and the offer to tell a steward."""

from __future__ import annotations

import json

import pytest

from conversations.guardrails.care import care_reply_chunks
from conversations.guardrails.helplines import (
    _table,
    country_from_accept_language,
    helplines_for,
    visitor_country,
)
from conversations.models import Concern, Conversation, Message, MessageRole
from core.crypto import memorial_cipher
from memorials.models import Role
from tests.accounts.factories import UserFactory
from tests.memorials.factories import MembershipFactory

EU = [  # the 27 member states
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_table():
    _table.cache_clear()
    yield
    _table.cache_clear()


def phones(country: str) -> list[str]:
    return [line.phone for line in helplines_for(country=country).lines]


def test_the_table_has_the_lines_the_issue_names_and_every_eu_country():
    assert phones("US") == ["988"] and helplines_for(country="US").emergency == ("911",)
    assert "116 123" in phones("GB") and helplines_for(country="GB").lines[1].sms == "85258"
    assert {"116 123", "1800 247 247"} <= set(phones("IE"))
    assert "50808" in [line.sms for line in helplines_for(country="IE").lines]
    assert phones("CA") == ["988"] and "13 11 14" in phones("AU")
    assert {"1737", "0800 543 354"} <= set(phones("NZ"))
    for code in EU:
        help = helplines_for(country=code)
        assert help.code == code and help.lines, f"no crisis line for {code}"
        assert all(line.phone or line.text for line in help.lines), code
        assert help.emergency == ("112",), code
    assert helplines_for(country="de").checked  # the table says when it was last checked


def test_an_unknown_country_gets_the_international_list_and_emergency_numbers():
    help = helplines_for(country="")
    assert help.code == "" and help.lines == () and help.emergency == ("112", "911")
    assert help.international[0].url == "https://findahelpline.com"
    assert helplines_for(country="ZZ").code == ""


def test_another_table_can_be_configured(settings, tmp_path):
    table = tmp_path / "lines.json"
    table.write_text(json.dumps({
        "checked": "2030-01-01", "fallback_emergency": "112", "international": [],
        "countries": {"NO": {"name": "Norway", "emergency": "113", "lines": [
            {"name": "Mental Helse", "phone": "116 123", "text": "", "url": "", "hours": "24/7"}
        ]}},
    }))  # fmt: skip
    settings.HELPLINES_PATH = str(table)
    assert phones("NO") == ["116 123"] and helplines_for(country="NO").emergency == ("113",)
    assert helplines_for(country="US").code == ""


def test_a_table_that_cannot_be_read_falls_back_to_the_projects_own(settings, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    for path in (broken, tmp_path / "missing.json"):
        settings.HELPLINES_PATH = str(path)
        assert phones("US") == ["988"]


@pytest.mark.parametrize(
    ("header", "country"),
    [
        ("en-GB,en;q=0.9", "GB"),
        ("fr-FR,fr;q=0.9,en;q=0.8", "FR"),
        ("en;q=0.9, de-AT;q=0.8", "AT"),
        ("en-uk", "GB"),
        ("en", ""),
        ("en-ZZ", ""),
        ("", ""),
    ],
)
def test_the_browser_language_suggests_a_country(header, country):
    assert country_from_accept_language(header) == country


@pytest.mark.django_db
def test_the_visitor_country_is_theirs_else_their_browsers_else_the_default(settings, client):
    settings.DEFAULT_COUNTRY = ""
    visitor = UserFactory()
    assert visitor_country(user=visitor) == ""
    settings.DEFAULT_COUNTRY = "NZ"
    assert visitor_country(user=visitor) == "NZ"
    visitor.country = "SE"
    assert visitor_country(user=visitor) == "SE"


def test_the_care_reply_is_plain_warm_and_not_in_the_persons_voice():
    text = "".join(
        care_reply_chunks(
            memorial_name="Ann Smith", help=helplines_for(country="AU"), steward="Maria"
        )
    )
    assert "not Ann Smith" in text and "worries me" in text
    assert "Lifeline: call 13 11 14 or text 0477 13 11 14, 24/7" in text
    assert "call 000" in text and "let Maria know" in text
    for never in ("join me", "be with me", "see you soon", "come to me"):
        assert never not in text.lower()


def crisis_turn(memorial, visitor) -> Message:
    cipher = memorial_cipher(memorial_id=memorial.id)
    conversation = Conversation.objects.create(memorial=memorial, visitor=visitor, last_seq=2)
    asked = Message.objects.create(
        conversation=conversation, seq=1, role=MessageRole.VISITOR, client_id="c1",
        text_encrypted=cipher.encrypt_text("I can't do this anymore"), concern=Concern.CRISIS,
    )  # fmt: skip
    return Message.objects.create(
        conversation=conversation, seq=2, role=MessageRole.TWIN, reply_to=asked,
        text_encrypted=cipher.encrypt_text("I'm stepping out..."), concern=Concern.CRISIS,
    )  # fmt: skip


def test_the_page_shows_lines_to_tap_and_the_offer_under_a_care_reply(client, memorial, family):
    MembershipFactory(memorial=memorial, role=Role.STEWARD, user__full_name="Maria Lopez")
    family.country = "GB"
    family.save(update_fields=["country"])
    reply = crisis_turn(memorial, family)
    client.force_login(family)

    html = client.get(f"/memorials/{memorial.id}/conversation/").content.decode()

    turn = html[html.index(f'id="turn-{reply.seq}"') : html.index("data-empty")]
    assert 'href="tel:116123"' in turn and 'href="sms:85258"' in turn
    assert 'href="tel:999"' in turn
    assert "Let Maria know" in turn and "Let them know and share what I wrote" in turn
    assert f'name="seq" value="{reply.seq}"' in turn
    # the template for a care reply arriving live, and the country control
    assert "data-care-template" in html and 'id="care-country"' in html
    assert '<option value="GB" selected>The United Kingdom</option>' in html


def test_the_visitor_chooses_their_country(client, memorial, family):
    client.force_login(family)
    page = f"/memorials/{memorial.id}/conversation/"
    assert client.post(page + "country/", {"country": "pt"}).status_code == 302
    family.refresh_from_db()
    assert family.country == "PT"
    assert 'href="tel:808242424"' in client.get(page).content.decode()
    client.post(page + "country/", {"country": "XX"})
    family.refresh_from_db()
    assert family.country == "PT"  # an unknown country is refused, the choice kept
