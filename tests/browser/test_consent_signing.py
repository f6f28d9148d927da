"""Reading, signing and withdrawing a consent, in a real browser at a phone's size."""

from __future__ import annotations

from consent.models import ConsentRecord
from core.models import AuditEvent
from tests.accounts.factories import PASSWORD
from tests.consent.factories import consent_documents_install
from tests.memorials.factories import MemorialFactory


def test_the_subject_reads_signs_and_withdraws_a_consent(page, live_server):
    consent_documents_install()
    memorial = MemorialFactory(name="Ada Lovelace", subject__full_name="Ada Lovelace")
    # given the subject, signed in, on their memorial
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(memorial.subject.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(live_server.url + memorial.get_absolute_url())
    # when they open their consents and choose to read the one for their writing
    page.get_by_role("link", name="Consent", exact=True).click()
    page.get_by_role("heading", name="Consent", exact=True).wait_for()
    writing = page.locator("[data-scope=corpus]")
    writing.get_by_text("Not given").wait_for()
    writing.get_by_role("link", name="Read and sign").click()
    # then the whole text is there before the signing form
    page.get_by_role("heading", name="What is not encrypted").wait_for()
    # when they sign, allauth's re-authentication asks who it is first
    page.get_by_label("Type your full name to sign").fill("Ada Lovelace")
    page.get_by_role("button", name="Sign this consent").click()
    page.wait_for_url("**/accounts/reauthenticate/**")
    # and a wrong password signs nothing, and says so
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Confirm").click()
    page.get_by_text("Incorrect password.").wait_for()
    assert not ConsentRecord.objects.exists()
    # then with the right one, the consent they sent is signed
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_text("Thank you. Your consent for “your writing” is signed.").wait_for()
    page.locator("[data-scope=corpus]").get_by_text("Given", exact=True).wait_for()
    record = ConsentRecord.objects.get(memorial=memorial, scope="corpus")
    assert record.typed_name == "Ada Lovelace" and record.user_agent
    assert record.method == ConsentRecord.Method.PASSWORD
    # when they withdraw it, they are asked to confirm first
    page.locator("[data-scope=corpus]").get_by_role("link", name="Withdraw").click()
    page.get_by_text("you can read and sign this consent again", exact=False).wait_for()
    page.get_by_role("button", name="Withdraw my consent").click()
    page.get_by_text("is withdrawn, as of now").wait_for()
    record.refresh_from_db()
    assert record.revoked_at is not None
    # and the audit log tells both, newest first, after the memorial's creation
    page.get_by_role("link", name="See the audit log").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 3
    assert "Withdrew a consent" in rows.nth(0).inner_text()
    assert "Signed a consent" in rows.nth(1).inner_text()
    assert "Created the memorial" in rows.nth(2).inner_text()
    assert AuditEvent.objects.count() == 3
