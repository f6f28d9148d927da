"""The home page, the footer's pages, the favicon, and allauth's pages in Legacy's words."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

FOOTER_PAGES = ["help", "safety", "privacy", "terms", "contact"]


@pytest.mark.parametrize("signed_in", [False, True])
def test_home_explains_legacy_to_anyone(client, signed_in):
    if signed_in:
        client.force_login(UserFactory())
    page = client.get(reverse("home")).content.decode()
    assert "How it works" in page
    assert "Who it is for" in page
    assert "Estate-planning firms" in page
    assert reverse("safety") in page  # the promises link the safety protocol
    # someone who was invited is shown the way, someone signed in is sent to their memorials
    assert ("If someone invited you" in page) is not signed_in
    assert (reverse("memorials:list") in page) is signed_in


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("name", FOOTER_PAGES)
def test_every_footer_page_renders_and_every_footer_link_resolves(client, signed_in, name):
    if signed_in:
        client.force_login(UserFactory())
    response = client.get(reverse(name))
    assert response.status_code == 200
    footer = response.content.decode().split('class="site-footer"')[1]
    links = re.findall(r'href="([^"]+)"', footer)
    assert sorted(links) == sorted(reverse(n) for n in [*FOOTER_PAGES, "billing:pricing"])
    for link in links:
        assert client.get(link).status_code == 200


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get(reverse("home")).content.decode()
    for icon in re.findall(r'<link rel="(?:icon|apple-touch-icon)" href="([^"]+)"', page):
        assert client.get(icon).status_code == 200
    preview = re.search(r'<meta property="og:image" content="http://testserver([^"]+)"', page)
    assert client.get(preview.group(1)).status_code == 200


def test_privacy_names_only_the_outside_services_configured(client, settings):
    settings.LEGACY_LLM_PROVIDER = "offline"
    settings.LEGACY_VOICE_PROVIDER = "offline"
    page = client.get(reverse("privacy")).content.decode()
    assert "set up to use no outside service" in page
    assert "ElevenLabs</td>" not in page

    settings.LEGACY_VOICE_PROVIDER = "elevenlabs"
    settings.LEGACY_LLM_PROVIDER = "anthropic"
    settings.LEGACY_ANTHROPIC_BASE_URL = ""
    page = client.get(reverse("privacy")).content.decode()
    assert "<td>ElevenLabs</td>" in page
    assert "<td>Anthropic (Claude)</td>" in page
    assert "set up to use no outside service" not in page


def test_contact_gives_the_address_when_there_is_one(client, settings):
    settings.LEGACY_CONTACT_EMAIL = ""
    assert "have not given a contact address" in client.get(reverse("contact")).content.decode()
    settings.LEGACY_CONTACT_EMAIL = "care@example.org"
    page = client.get(reverse("contact")).content.decode()
    assert 'href="mailto:care@example.org"' in page


def test_allauth_pages_speak_in_sentence_case(client):
    page = " ".join(client.get(reverse("account_login")).content.decode().split())
    assert "<h1> Sign in </h1>" in page
    assert "Sign In" not in page
    assert "Keep me signed in on this device" in page


def test_reauthentication_says_what_it_guards(client):
    client.force_login(UserFactory())
    delete = reverse("account_delete")
    page = client.get(reverse("account_reauthenticate") + f"?next={delete}").content.decode()
    assert "Before your account is deleted, please confirm it is you." in page
    assert "safeguard" not in page
    erase = "/memorials/00000000-0000-0000-0000-000000000000/erase/"
    page = client.get(reverse("account_reauthenticate") + f"?next={erase}").content.decode()
    assert "Before the kill switch erases this Legacy" in page


def test_two_factor_pages_lead_back_to_the_account(client):
    client.force_login(UserFactory())
    page = " ".join(client.get(reverse("mfa_index")).content.decode().split())
    assert "<h1> Two-factor sign-in </h1>" in page
    assert f'href="{reverse("accounts:settings")}">Back to your account' in page


def test_after_two_factor_set_up_the_recovery_codes_lead_onward(client):
    # given a person who sets up an authenticator app (after confirming it is them)
    client.force_login(UserFactory())
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    counter = int(time.time()) // 30
    response = client.post(
        reverse("mfa_activate_totp"), {"code": format_hotp_value(hotp_value(secret, counter))}
    )
    # then they are shown their recovery codes, and a way back to their account
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    page = " ".join(client.get(response["Location"]).content.decode().split())
    assert "<h1> Recovery codes </h1>" in page
    assert f'href="{reverse("accounts:settings")}">Back to your account' in page


def test_the_two_factor_prompt_at_sign_in_mentions_recovery_codes(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    counter = int(time.time()) // 30
    client.post(
        reverse("mfa_activate_totp"), {"code": format_hotp_value(hotp_value(secret, counter))}
    )
    client.logout()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    page = client.get(reverse("mfa_authenticate")).content.decode()
    assert "one of the recovery codes you saved" in page


def test_pages_that_say_write_to_us_link_the_contact_page(client):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    for name in ("account_reset_password", "account_reset_password_done"):
        page = client.get(reverse(name)).content.decode()
        assert f'<a href="{reverse("contact")}">write to us</a>' in page
        assert "contact us" not in page
