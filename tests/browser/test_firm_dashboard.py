"""The firm's client dashboard in a real browser, at a phone's size and a desktop's: the
table, a filter, and bulk reminders through their confirmation. With LEGACY_SHOTS_DIR set,
each page is saved there as a PNG."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from core.consent import ConsentScope
from firms.models import ClientStage, FirmClient, FirmRole
from tests.browser.conftest import DESKTOP, PHONE
from tests.firms.factories import client_make, firm_make, staff_make

pytestmark = pytest.mark.slow

STAGES = [ClientStage.INVITED, ClientStage.JOINED, ClientStage.CONSENTED, ClientStage.WRITING]


def shot(page, name: str) -> None:
    if directory := os.environ.get("LEGACY_SHOTS_DIR"):
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{directory}/{name}.png")
        page.screenshot(path=f"{directory}/{name}-full.png", full_page=True)


def signed_in_as(page, live_server, user) -> None:
    """Sign `user` in by handing the browser a session (two-factor is set up for them)."""
    browser = Client()
    browser.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": browser.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_an_advisor_filters_clients_and_reminds_two(page, live_server):
    # given: a firm with 60 clients at various stages, two of them joined with nothing done
    firm = firm_make(name="Hart & Vale Estate Planning")
    advisor = staff_make(firm=firm, role=FirmRole.ADVISOR)
    FirmClient.objects.bulk_create(
        FirmClient(
            firm=firm,
            name=f"Client {i:02d} Okafor",
            email=f"roster{i}@example.org",
            advisor=advisor if i % 2 else None,
            stage=STAGES[i % 4],
            consents_signed=[ConsentScope.CORPUS] if i % 4 > 1 else [],
            documents_count=(i * 7) % 30 if i % 4 == 3 else 0,
            activation_state="preserving" if i % 4 else "",
            plan_code="firm-client" if i % 3 else "",
        )
        for i in range(60)
    )
    due = [
        client_make(firm=firm, name=name, advisor=advisor, joined=True)
        for name in ("Ada Lovelace", "Ben Okri")
    ]
    signed_in_as(page, live_server, advisor.user)

    # when: the dashboard at a phone's size, then at a desktop's
    page.goto(f"{live_server.url}/firms/{firm.slug}/")
    page.get_by_role("heading", name="Clients", exact=True).wait_for()
    shot(page, "dashboard-390")
    page.set_viewport_size(DESKTOP)
    shot(page, "dashboard-1280")

    # then: a search finds the two, and ticking them leads to the confirmation
    page.get_by_label("Search", exact=True).fill("o")
    page.get_by_label("Stage", exact=True).select_option(ClientStage.JOINED)
    page.get_by_role("button", name="Show").click()
    page.get_by_text("matching").first.wait_for()
    for client in due:
        page.get_by_label(f"Choose {client.name}").check()
    page.get_by_role("button", name="Remind the clients ticked").click()
    page.get_by_role("heading", name="Send reminders").wait_for()
    assert "2 clients" in page.get_by_role("main").inner_text()
    shot(page, "reminders-1280")
    page.set_viewport_size(PHONE)
    shot(page, "reminders-390")
    page.get_by_role("button", name="Send 2 reminders").click()
    page.get_by_text("2 reminders sent").wait_for()
    assert (
        FirmClient.objects.filter(
            pk__in=[c.pk for c in due], last_reminded_at__isnull=False
        ).count()
        == 2
    )
