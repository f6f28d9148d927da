"""A firm imports its clients from a CSV file with a bad row (the dry run shows it), a
client accepts the firm's invitation and signs their own consent, and the firm's page for
that client shows it: in a real browser at a phone's size (and a desktop's for the shots)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from firms.models import ClientStage, FirmClient, FirmRole
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.conftest import DESKTOP, PHONE
from tests.consent.factories import consent_documents_install
from tests.firms.factories import firm_make, staff_make

pytestmark = pytest.mark.slow

# Set LEGACY_SHOTS to a folder to keep a picture of each page at both sizes.
SHOTS = os.environ.get("LEGACY_SHOTS", "")


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=f"{SHOTS}/{name}-{label}.png", full_page=True)
    page.set_viewport_size(PHONE)


def sign_in_as(page, live_server, user: User) -> None:  # type: ignore[no-untyped-def]
    """A session for `user` (staff have two-factor: this stands for the code they typed)."""
    browser = Client()
    browser.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": browser.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_a_firm_imports_clients_and_sees_one_sign_their_consent(page, live_server, settings):
    consent_documents_install()
    firm = firm_make(name="Hart & Vale Estate Planning", brand_colour="#2f5d62")
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    # given the owner on the import page
    sign_in_as(page, live_server, owner.user)
    page.goto(live_server.url + reverse("firms:clients_import", kwargs={"slug": firm.slug}))
    shoot(page, "import-choose")
    # when they choose a file with a bad row
    data = (
        "\ufeffName,Email,Advisor\n"
        "Ada Lovelace,ada@example.org,\n"
        "Charles Babbage,charles-at-example,\n"
        "Mary Somerville,mary@example.org,\n"
    ).encode()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("button", name="Check the file").click()
    # then the dry run shows each row's fate, and nothing has changed yet
    page.get_by_role("heading", name="What importing this file would do").wait_for()
    page.get_by_text("“charles-at-example” is not an email address.").wait_for()
    assert page.get_by_text("Will be added and invited").count() == 2
    assert not FirmClient.objects.filter(firm=firm).exists()
    shoot(page, "import-dry-run")
    # when they import, the two good rows are added and invited
    page.get_by_role("button", name="Import 2 clients").click()
    page.get_by_text("2 added and invited").wait_for()
    assert FirmClient.objects.filter(firm=firm).count() == 2
    link = next(
        re.search(r"https?://\S+/f/invitation/\S+/", m.body).group(0)  # type: ignore[union-attr]
        for m in mail.outbox
        if m.to == ["ada@example.org"]
    )
    # given Ada, who has an account with that address, opening her invitation
    ada = UserFactory(email="ada@example.org", full_name="Ada Lovelace")
    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(ada.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(link.replace(settings.SITE_URL.rstrip("/"), live_server.url))
    page.get_by_role("heading", name="Hart & Vale Estate Planning has invited you").wait_for()
    shoot(page, "accept")
    # when she accepts, her own memorial is made and she is sent to her consents
    page.get_by_role("button", name="Accept and make my memorial").click()
    page.get_by_role("heading", name="Consent", exact=True).wait_for()
    ada_client = FirmClient.objects.get(firm=firm, email="ada@example.org")
    assert ada_client.memorial.subject == ada
    # and she signs her writing consent herself
    page.locator("[data-scope=corpus]").get_by_role("link", name="Read and sign").click()
    page.get_by_label("Type your full name to sign").fill("Ada Lovelace")
    page.get_by_role("button", name="Sign this consent").click()
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_text("Thank you. Your consent for “your writing” is signed.").wait_for()
    # then the firm's page for her shows the consent signed (its name, not its content)
    sign_in_as(page, live_server, owner.user)
    page.goto(
        live_server.url
        + reverse("firms:client", kwargs={"slug": firm.slug, "client_id": ada_client.id})
    )
    # (one of the three expected consents: she has joined, not yet "consented")
    page.locator("[data-stage=joined]").wait_for()
    page.get_by_text("Your writing").wait_for()
    shoot(page, "client-status")
    ada_client.refresh_from_db()
    assert ada_client.stage == ClientStage.JOINED
    assert ada_client.consents_signed == ["corpus"]
    # the other pages, for the pictures
    page.goto(live_server.url + reverse("firms:clients_add", kwargs={"slug": firm.slug}))
    page.get_by_role("heading", name="Add a client").wait_for()
    shoot(page, "add")
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("firms:join", kwargs={"slug": firm.slug}))
    page.get_by_role("heading", name="Join Hart & Vale Estate Planning on Legacy").wait_for()
    shoot(page, "join")
