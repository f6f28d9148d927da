"""The firm's API page in a browser, on a phone and a desktop: the owner makes a token (shown
once), adds a webhook endpoint (its secret shown once), and sees recent deliveries; the page
passes axe and the Content-Security-Policy. Screenshots go to /tmp/shots-api/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from firms.models import FirmRole
from tests.firms.factories import firm_make, staff_make

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SHOTS = Path("/tmp/shots-api")


def signed_in(page, base: str, user) -> None:
    browser = Client()
    browser.force_login(user)
    cookie = browser.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}]
    )


def test_the_owner_makes_a_token_and_an_endpoint(page, live_server, settings):
    settings.LEGACY_FIRM_WEBHOOK_ALLOW_PRIVATE = True
    SHOTS.mkdir(exist_ok=True)
    owner = staff_make(firm=firm_make(name="Hart & Vale Estate Planning"), role=FirmRole.OWNER)
    base = live_server.url
    signed_in(page, base, owner.user)
    # the owner makes a token for their practice software
    page.goto(f"{base}/firms/{owner.firm.slug}/api/")
    page.get_by_label("Name").fill("PracticePro")
    page.get_by_label("Read the client roster and each client's status").check()
    page.get_by_role("button", name="Make the token").click()
    token = page.get_by_role("textbox", name="Token").input_value()
    assert token.startswith("lfa_")
    page.screenshot(path=str(SHOTS / "api-token-390.png"), full_page=True)
    # then adds a webhook endpoint
    page.get_by_label("Address").fill("http://127.0.0.1:9/hooks")
    page.get_by_role("button", name="Add the endpoint").click()
    assert page.get_by_role("textbox", name="Signing secret").input_value().startswith("whsec_")
    page.get_by_role("button", name="Send a test event").click()
    page.get_by_text("A test event is on its way").wait_for()
    page.screenshot(path=str(SHOTS / "api-page-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    assert token not in page.content()
    page.screenshot(path=str(SHOTS / "api-page-1280.png"), full_page=True)
    page.goto(f"{base}/api/firms/v1/docs")
    page.screenshot(path=str(SHOTS / "api-docs-1280.png"))
