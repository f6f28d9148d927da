"""A firm's client, in a real browser: sees the firm on their memorial, names it a steward,
then detaches it (confirming first); the firm's steward and close pages for its staff. Pages
are screenshotted at a phone's and a desktop's size into LEGACY_SCREENSHOTS_DIR when set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from firms.models import ClientStage, FirmRole
from firms.stewardship import professional_steward_name
from tests.accounts.factories import PASSWORD
from tests.firms.factories import client_make, firm_make, staff_make

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"phone": (390, 844), "desktop": (1280, 900)}


def shoot(page, name: str) -> None:
    shots = os.environ.get("LEGACY_SCREENSHOTS_DIR")
    for width, height in SIZES.values():
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{shots}/{name}-{width}x{height}.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})


def sign_in(page, live_server, email: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_a_client_names_the_firm_a_steward_then_detaches_it(page, live_server):
    firm = firm_make(name="Hart and Vale Estate Planning")
    advisor = staff_make(firm=firm, role=FirmRole.ADVISOR)
    client = client_make(firm=firm, advisor=advisor, joined=True, name="Ada Lovelace")
    # given the client, signed in, on their own memorial
    sign_in(page, live_server, client.user.email)
    page.goto(live_server.url + client.memorial.get_absolute_url())
    card = page.locator("#your-firm")
    card.get_by_text("your writing, your portrait, your conversations or your memories").wait_for()
    # when they name the firm a steward
    card.get_by_role("button", name=f"Name {firm.name} as a steward").click()
    page.locator("[data-firm-steward]").wait_for()
    shoot(page, "firm-card-named")
    client.refresh_from_db()
    assert client.professional_steward_since is not None
    # and then detach it, confirming on the page that says what happens
    page.locator("#your-firm").get_by_role("link", name="Detach the firm").click()
    page.get_by_role("heading", name=f"Detach {firm.name}?").wait_for()
    shoot(page, "firm-detach")
    page.get_by_role("button", name=f"Detach {firm.name}").click()
    page.get_by_text("It no longer sees anything of your Legacy").wait_for()
    # then the firm is gone from the memorial, which is otherwise as it was
    assert page.locator("#your-firm").count() == 0
    client.refresh_from_db()
    assert client.stage == ClientStage.DETACHED and client.professional_steward_since is None


def staff_browser_sign_in(page, live_server, user) -> None:
    """Staff sign in with two-factor; the browser takes the session of a signed-in client."""
    browser = Client()
    browser.force_login(user)
    cookie = browser.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def test_the_firms_steward_and_close_pages(page, live_server):
    firm = firm_make(name="Hart and Vale Estate Planning")
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    client = client_make(firm=firm, joined=True, name="Ada Lovelace")
    client = professional_steward_name(client=client, actor=client.user)
    staff_browser_sign_in(page, live_server, owner.user)
    page.goto(live_server.url + reverse("firms:steward", args=[firm.slug, client.id]))
    page.get_by_role("button", name="Take the firm's key").click()
    page.locator("[data-key]").wait_for()
    shoot(page, "firm-steward")
    page.goto(live_server.url + reverse("firms:close", args=[firm.slug]))
    page.get_by_role("button", name="Close the firm for good").click()
    page.get_by_role("alert").first.wait_for()
    shoot(page, "firm-close")
