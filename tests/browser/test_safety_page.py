"""The published safety protocol in a real browser, at a phone's size: reached from the home
page's footer without signing in, readable without sideways scrolling, and its first link
leads to the crisis lines."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visitor_on_a_phone_finds_the_protocol_and_the_crisis_lines(page, live_server):
    page.goto(f"{live_server.url}/")

    page.click("footer >> text=How Legacy keeps you safe")

    assert page.url == f"{live_server.url}/safety/"
    assert page.locator("h1").inner_text() == "How Legacy keeps you safe"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.click("text=Crisis lines by country")
    assert page.url.endswith("#helplines")
    assert page.locator("#helplines").is_visible()
    assert page.locator("#helplines a[href='tel:988']").count() >= 1
