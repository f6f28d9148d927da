"""The site's own pages and allauth's in a real browser: at a phone's width (390 px, and the
narrowest, 320 px) and a desktop's, nothing scrolls sideways, and axe-core finds no serious or
critical accessibility violation (contrast, labels, names, landmarks). Screenshots go to
LEGACY_SCREENSHOTS_DIR when it is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from memorials.models import Role
from tests.accounts.factories import PASSWORD, UserFactory
from tests.memorials.factories import MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"phone": (390, 844), "desktop": (1280, 900), "narrowest": (320, 640)}
PUBLIC = {
    "home": "/",
    "help": "/help/",
    "privacy": "/privacy/",
    "terms": "/terms/",
    "contact": "/contact/",
    "safety": "/safety/",
    "pricing": "/pricing/",
    "not-found": "/no-such-page/",
    "sign-in": "/accounts/login/",
    "sign-up": "/accounts/signup/",
    "password-reset": "/accounts/password/reset/",
}
SIGNED_IN = {
    "home-signed-in": "/",
    "account": "/accounts/settings/",
    "account-delete": "/accounts/settings/delete/",
    "password-change": "/accounts/password/change/",
    "email": "/accounts/email/",
    "two-factor": "/accounts/2fa/",
    "confirm-it-is-you": "/accounts/reauthenticate/?next=/accounts/settings/delete/",
}


def _check(page, url: str, name: str) -> None:
    shots = os.environ.get("LEGACY_SCREENSHOTS_DIR")
    axe = Axe()
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
            f"{name} scrolls sideways at {width} px"
        )
        if shots and size != "narrowest":
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{shots}/{name}-{width}x{height}.png", full_page=True)
        if size == "phone":
            results = axe.run(page)
            serious = [
                f"{v['id']}: {[n['target'] for n in v['nodes']]}"
                for v in results.response["violations"]
                if v["impact"] in {"serious", "critical"}
            ]
            assert serious == [], f"{name}: {serious}"


@pytest.mark.parametrize("name", PUBLIC)
def test_public_pages_are_readable_and_accessible(page, live_server, name):
    _check(page, f"{live_server.url}{PUBLIC[name]}", name)


def test_signed_in_pages_are_readable_and_accessible(page, live_server):
    # a subject who is also family in someone else's memorial: every part of the pages shows
    user = UserFactory(email="maeve@example.org", full_name="Maeve Halloran")
    MemorialFactory(subject=user, name="Maeve Halloran")
    MembershipFactory(user=user, role=Role.FAMILY, memorial=MemorialFactory(name="Greta Halloway"))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("maeve@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()
    for name, path in SIGNED_IN.items():
        _check(page, f"{live_server.url}{path}", name)


def test_the_keyboard_reaches_the_page_first_and_sees_where_it_is(page, live_server):
    page.goto(f"{live_server.url}/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert skip.bounding_box()["y"] >= 0  # shown once focused
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
