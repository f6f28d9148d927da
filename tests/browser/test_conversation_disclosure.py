"""The conversation page says, always, that this is an AI made from the person's words and
not the person, and the socket's disclosure notice shows in the one notice area at a
session's start, read out politely, closable; on a phone and on a desktop."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from tests.browser.conftest import PHONE
from tests.browser.test_first_conversation import memorial_opened_to_lucy, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

DESKTOP = {"width": 1280, "height": 800}
SHOTS = os.environ.get("LEGACY_SHOTS_DIR", "")  # set to keep screenshots there


def shoot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def test_the_disclosure_line_and_notice_on_a_phone_and_a_desktop(page, asgi_server):
    memorial, lucy = memorial_opened_to_lucy()
    sign_in(page, asgi_server, lucy)
    page.goto(asgi_server + f"/memorials/{memorial.id}/conversation/")
    line = "You are talking with an AI made from Ann Smith's own words. It is not Ann Smith."
    page.get_by_text(line).wait_for()
    # the session starts: the notice comes over the socket into the notice area
    notices = page.get_by_role("status", name="Notices")
    notice = notices.locator('[data-notice-kind="disclosure"]')
    notice.get_by_text("A reminder: you are talking with an AI").wait_for(timeout=15_000)
    assert notices.get_attribute("aria-live") == "polite"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "phone-disclosure")
    page.set_viewport_size(DESKTOP)
    shoot(page, "desktop-disclosure")
    # closed, it goes; the permanent line stays
    notice.get_by_role("button", name="OK, close this notice").click()
    assert notice.count() == 0
    assert page.get_by_text(line).is_visible()
