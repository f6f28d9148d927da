"""Dropping files on the upload page, in a real browser at a phone's size, with a real worker
reading them: each file is sent on its own, and each is read or refused on its own."""

from __future__ import annotations

import os
import time

from corpus.models import Passage, Upload, UploadStatus
from corpus.selectors import upload_list
from tests.accounts.factories import PASSWORD
from tests.consent.factories import grant_consent
from tests.memorials.factories import MemorialFactory

CHAT = (
    "01/05/2021, 09:00 - Ann Smith: Good morning! Did you water the tomatoes?\n"
    "01/05/2021, 09:02 - George: Yes, and the roses by the shed too.\n"
    "01/05/2021, 09:05 - Ann Smith: Lovely. I am baking lemon drizzle cake later.\n"
)

DROP_FILES = """([chat]) => {
    const files = new DataTransfer();
    files.items.add(new File([chat], "WhatsApp Chat with George.txt", {type: "text/plain"}));
    // the start of a zip, cut off: a damaged archive
    files.items.add(new File([new Uint8Array([80, 75, 3, 4, 20, 0, 0, 0, 8, 0])], "letters.zip",
                             {type: "application/zip"}));
    return files;
}"""


def test_dropped_files_are_sent_one_by_one_and_read_or_refused_each(
    page, asgi_server, celery_worker_process
):
    """Served by the real ASGI application, so the page's event socket brings each file's
    status live."""
    memorial = MemorialFactory(name="Ann Smith", subject__full_name="Ann Smith")
    grant_consent(memorial, "corpus")
    page.goto(asgi_server + "/accounts/login/")
    page.get_by_label("Email").fill(memorial.subject.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(asgi_server + f"/memorials/{memorial.id}/corpus/")
    page.get_by_text("Nothing yet.").wait_for()
    # when two files are dropped on the upload form
    files = page.evaluate_handle(DROP_FILES, [CHAT])
    page.dispatch_event("[data-corpus-upload]", "dragenter", {"dataTransfer": files})
    page.dispatch_event("[data-corpus-upload]", "drop", {"dataTransfer": files})
    # then each gets its own row, and each is sent and stored on its own
    rows = page.locator("[data-corpus-uploads] li[data-upload-id]")
    rows.nth(1).wait_for()
    assert rows.count() == 2
    assert Upload.objects.filter(memorial=memorial).count() == 2
    # and the worker reads one and refuses the other, with the reason, on that file alone
    deadline = time.monotonic() + 60
    while (
        Upload.objects.filter(
            memorial=memorial, status__in=[UploadStatus.DONE, UploadStatus.FAILED]
        ).count()
        < 2
    ):
        assert time.monotonic() < deadline, "the worker did not finish both uploads"
        time.sleep(0.5)
    uploads = {row.name: row.upload for row in upload_list(memorial_id=memorial.id)}
    chat, broken = uploads["WhatsApp Chat with George.txt"], uploads["letters.zip"]
    assert chat.status == UploadStatus.DONE
    assert broken.status == UploadStatus.FAILED
    assert Passage.objects.filter(memorial=memorial).count() == 3
    # what the chat was read as shows live, before any reload
    read_as = page.locator(f'[data-upload-id="{chat.id}"] [data-upload-formats]')
    read_as.get_by_text("Read as: WhatsApp chat", exact=True).wait_for(timeout=10_000)
    if shots := os.environ.get("LEGACY_SHOTS_DIR"):
        page.screenshot(path=f"{shots}/corpus-uploads-live.png", full_page=True)
    page.reload()
    read_as.get_by_text("Read as: WhatsApp chat", exact=True).wait_for()
    page.locator(f'[data-upload-id="{broken.id}"] [data-upload-error]').get_by_text(
        "This zip file is damaged or incomplete.", exact=True
    ).wait_for()
    page.locator(f'[data-upload-id="{chat.id}"] [data-upload-status]').get_by_text(
        "Done", exact=True
    ).wait_for()
    # and, after the reload, the file that could not be read shows no bar, and why once
    broken_row = page.locator(f'[data-upload-id="{broken.id}"]')
    assert broken_row.locator("[data-upload-progress]").is_hidden()
    assert broken_row.get_by_text("damaged or incomplete").count() == 1
    chat_row = page.locator(f'[data-upload-id="{chat.id}"]')
    assert chat_row.locator("[data-upload-progress]").is_visible()
    assert "1 document · 3 passages" in chat_row.locator("[data-upload-detail]").inner_text()
