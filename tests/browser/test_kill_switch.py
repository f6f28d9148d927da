"""The kill switch, in a real browser at a phone's size: read what will go, type the name,
re-enter the password, confirm, and leave with the signed certificate."""

from __future__ import annotations

import json
from pathlib import Path

from core.consent import ConsentScope
from core.signing import certificate_verify
from memorials.models import ErasureCertificate, Memorial, MemorialState, Role
from tests.accounts.factories import PASSWORD
from tests.consent.factories import grant_consent
from tests.memorials.factories import InvitationFactory, MembershipFactory, MemorialFactory

# The last step of the erasure, to the page that says it is done.
ERASURE_MS = 120_000


def test_the_subject_erases_their_memorial_and_downloads_the_certificate(page, live_server):
    # given a subject with a memorial that holds people, an invitation and consents
    memorial = MemorialFactory(name="Ada Lovelace")
    MembershipFactory(memorial=memorial, role=Role.FAMILY)
    InvitationFactory(memorial=memorial)
    grant_consent(memorial, ConsentScope.CORPUS)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(memorial.subject.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Your Legacy").or_(
        page.get_by_role("link", name="Ada Lovelace")
    ).first.wait_for()

    # when they open their memorial and choose to erase everything
    page.goto(live_server.url + memorial.get_absolute_url())
    page.get_by_role("link", name="Erase everything").click()
    # then the page says what will be erased, with counts
    page.get_by_role("heading", name="What will be erased").wait_for()
    page.get_by_text("People and their roles · 2").wait_for()
    page.get_by_text("Signed consents · 1").wait_for()

    # when they type the name wrongly, after confirming it is them
    page.get_by_label("Type the name of the memorial to confirm").fill("Ada")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    # then nothing is erased
    page.get_by_text("Nothing was erased").wait_for()

    # when they type it exactly, and give their last confirmation
    page.get_by_label("Type the name of the memorial to confirm").fill("Ada Lovelace")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Last step").wait_for()
    page.get_by_label("I understand that this erases everything").check()
    # (the erasure ends with a checkpoint of the whole database server, which on 2 cores
    # shared with another test process writing can take more than Playwright's 30 s)
    page.get_by_role("button", name="Erase everything now").click(timeout=ERASURE_MS)

    # then the memorial is erased, and the certificate can be downloaded
    page.get_by_role("heading", name="It is erased").wait_for(timeout=ERASURE_MS)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the certificate").click()
    document = json.loads(Path(download_info.value.path()).read_text())
    assert certificate_verify(document=document).signed_by_this_server

    tombstone = Memorial.objects.get(pk=memorial.pk)
    assert tombstone.state == MemorialState.ERASED and tombstone.name == "Erased memorial"
    certificate = ErasureCertificate.objects.get(memorial=tombstone)
    assert document["certificate"]["certificate_id"] == str(certificate.id)
    # and the memorial page is gone for good
    response = page.goto(live_server.url + memorial.get_absolute_url())
    assert response.status == 410  # gone, with a page that says so
