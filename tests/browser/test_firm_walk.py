"""Issue 16's walk, end to end in a real browser at a phone's size: an owner starts a firm
(setting up two-factor), invites an advisor and an assistant who join, imports a CSV of
clients with a bad row, a client accepts and signs her own consents, and the firm's
dashboard shows her progress. With LEGACY_SHOTS_DIR set, key pages are kept there."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from consent.models import ConsentRecord
from firms.models import ClientStage, Firm, FirmClient, FirmRole, FirmStaff
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.test_firm_clients import sign_in_as
from tests.browser.test_firm_staff import link_for, shoot, sign_in, sign_out, two_factor_set_up
from tests.consent.factories import consent_documents_install

pytestmark = pytest.mark.slow


def sign_consent(page, scope: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f"[data-scope={scope}]").get_by_role("link", name="Read and sign").click()
    page.get_by_label("Type your full name to sign").fill(name)
    page.get_by_role("button", name="Sign this consent").click()
    page.wait_for_load_state()
    if "/accounts/reauthenticate/" in page.url or page.get_by_label("Password").count():
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    page.get_by_text("is signed.").first.wait_for()


def test_a_firm_from_its_first_owner_to_a_client_who_has_signed(
    page, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    consent_documents_install()
    base = live_server.url
    owner = UserFactory(email="olive@hartvale.example", full_name="Olive Hart")
    UserFactory(email="ann@hartvale.example", full_name="Ann Vale")
    UserFactory(email="sam@hartvale.example", full_name="Sam Reed")

    # given the owner, signed in, starting a firm from the memorial list
    sign_in(page, base, owner.email)
    page.goto(base + "/memorials/")
    page.get_by_role("link", name="Start a firm").click()
    page.get_by_label("The firm's name").fill("Hart & Vale Estate Planning")
    page.get_by_label("Its web address").fill("hart-vale")
    page.get_by_role("button", name="Start the firm").click()
    # then the firm's pages ask for two-factor first, and come back once it is set up
    two_factor_set_up(page)
    page.wait_for_url("**/firms/hart-vale/settings/")
    firm = Firm.objects.get(slug="hart-vale")

    # when the owner invites an advisor and an assistant, and each joins from the mail
    page.get_by_role("link", name="Staff").click()
    for email, role in (("ann@hartvale.example", "advisor"), ("sam@hartvale.example", "assistant")):
        page.get_by_label("Their email address").fill(email)
        page.locator("#id_role").select_option(role)
        page.get_by_role("button", name="Send the invitation").click()
        page.get_by_text(f"An invitation is on its way to {email}.").wait_for()
    sign_out(page)
    for email in ("ann@hartvale.example", "sam@hartvale.example"):
        page.goto(base + link_for(email))
        page.get_by_role("link", name="I already have an account").click()
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign In").click()
        page.get_by_role("button", name="Join Hart & Vale Estate Planning").click()
        page.get_by_text("Welcome to Hart & Vale Estate Planning.").wait_for()
        sign_out(page)
    roles = dict(FirmStaff.objects.filter(firm=firm).values_list("user__email", "role"))
    assert roles == {
        "olive@hartvale.example": FirmRole.OWNER,
        "ann@hartvale.example": FirmRole.ADVISOR,
        "sam@hartvale.example": FirmRole.ASSISTANT,
    }

    # when the owner (back with her two-factor session) imports clients with a bad row
    sign_in_as(page, live_server, owner)
    page.goto(base + reverse("firms:clients_import", kwargs={"slug": firm.slug}))
    data = (
        b"Name,Email,Advisor\n"
        b"Ada Lovelace,ada@example.org,ann@hartvale.example\n"
        b"Charles Babbage,charles-at-example,\n"
        b"Mary Somerville,mary@example.org,\n"
    )
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "clients.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("button", name="Check the file").click()
    # then the dry run names the bad row, and nothing changes until she imports
    page.get_by_text("“charles-at-example” is not an email address.").wait_for()
    assert not FirmClient.objects.filter(firm=firm).exists()
    shoot(page, "walk-import-dry-run")
    page.get_by_role("button", name="Import 2 clients").click()
    page.get_by_text("2 added and invited").wait_for()
    ada_row = FirmClient.objects.get(firm=firm, email="ada@example.org")
    assert ada_row.advisor is not None and ada_row.advisor.user.email == "ann@hartvale.example"

    # when Ada accepts the firm's invitation and signs her own consents
    link = next(
        re.search(r"https?://\S+/f/invitation/\S+/", m.body).group(0)  # type: ignore[union-attr]
        for m in mail.outbox
        if m.to == ["ada@example.org"]
    )
    ada = UserFactory(email="ada@example.org", full_name="Ada Lovelace")
    page.context.clear_cookies()
    sign_in(page, base, ada.email)
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(link.replace(settings.SITE_URL.rstrip("/"), base))
    page.get_by_role("button", name="Accept and make my memorial").click()
    page.get_by_role("heading", name="Consent", exact=True).wait_for()
    sign_consent(page, "corpus", "Ada Lovelace")
    sign_consent(page, "conversation_living", "Ada Lovelace")
    sign_consent(page, "conversation_posthumous", "Ada Lovelace")
    ada_row.refresh_from_db()
    assert ada_row.memorial is not None and ada_row.memorial.subject == ada
    signed = set(
        ConsentRecord.objects.filter(
            memorial=ada_row.memorial, revoked_at__isnull=True
        ).values_list("scope", flat=True)
    )
    assert signed == {"corpus", "conversation_living", "conversation_posthumous"}

    # then the firm's dashboard shows Ada's progress, and Mary still invited
    sign_in_as(page, live_server, owner)
    page.goto(base + reverse("firms:dashboard", kwargs={"slug": firm.slug}))
    page.get_by_role("heading", name="Clients", exact=True).wait_for()
    ada_line = page.locator("tr, li, article").filter(has_text="Ada Lovelace").first
    ada_line.wait_for()
    assert ClientStage.CONSENTED.label in ada_line.inner_text()
    mary_line = page.locator("tr, li, article").filter(has_text="Mary Somerville").first
    assert ClientStage.INVITED.label in mary_line.inner_text()
    shoot(page, "walk-dashboard")
