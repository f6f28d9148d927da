"""The firm owner's billing, statement and trail pages in a real browser, at a phone's size
and a desktop's (axe-core checks each page). With LEGACY_SHOTS_DIR set, each page is saved
there as a PNG at both sizes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from firms.models import FirmRole
from firms.seats import firm_seats_sync
from firms.signals import client_joined
from firms.trail import firm_audit_record
from tests.firms.factories import client_make, firm_make, staff_make

pytestmark = pytest.mark.slow

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def test_the_owner_reads_billing_the_statement_and_the_trail(page, live_server):
    # given: a firm with an owner, an advisor, three clients on seats and a trail
    firm = firm_make(name="Hart & Vale Estate Planning", slug="hart-vale")
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    advisor = staff_make(firm=firm, role=FirmRole.ADVISOR)
    for name in ("Ada Byron", "Bo Grant", "Cy Okafor"):
        client = client_make(firm=firm, name=name, joined=True, advisor=advisor)
        client_joined.send(sender=type(client), client=client)
        firm_audit_record(firm=firm, action="firm.client_added", actor=advisor.user, client=client)
    firm_seats_sync(firm=firm)
    session = Client()
    session.force_login(owner.user)
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    shots = os.environ.get("LEGACY_SHOTS_DIR", "")

    def visit(path: str, heading: str, name: str) -> None:
        page.goto(f"{live_server.url}/firms/{firm.slug}/{path}")
        page.get_by_role("heading", name=heading).wait_for()
        if shots:
            for size, viewport in SIZES.items():
                page.set_viewport_size(viewport)
                page.screenshot(path=str(Path(shots) / f"{name}-{size}.png"), full_page=True)
            page.set_viewport_size(SIZES["phone"])

    # when/then: billing shows the three seats and the way to pay
    visit("billing/", "Billing", "billing")
    assert page.locator("[data-seats]").inner_text() == "3"
    page.get_by_role("button", name="Ask Legacy to set up the firm plan").click()
    page.get_by_text("Legacy's staff have your request").wait_for()
    # the statement lists each client
    page.get_by_role("link", name="This month's statement").click()
    page.get_by_role("heading", name="Statement for").wait_for()
    assert page.locator("[data-statement] tbody tr").count() == 3
    visit("billing/statement/", "Statement for", "statement")
    # the trail says who did what to whom, and narrows to one client
    page.get_by_role("navigation", name=firm.name).get_by_role("link", name="Trail").click()
    page.get_by_role("heading", name="Trail").wait_for()
    assert page.get_by_text("Asked Legacy's staff to set up the firm plan").count() == 1
    visit("trail/", "Trail", "trail")
    page.get_by_label("Client").select_option(label="Bo Grant")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("1 entry").wait_for()
