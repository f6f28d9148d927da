"""The subject's documents list and twin preview in a real browser, at a phone's and a
desktop's size: each document says what it is and which upload it came from in plain words,
and each passage the preview drew on names its document. Screenshots go to
LEGACY_SCREENSHOTS_DIR when it is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.urls import reverse

from tests.accounts.factories import PASSWORD
from tests.corpus.conftest import SAMPLE_CHAT, ingest, whatsapp_export, zip_of
from tests.twins.twin_ready import memorial_with_writing, version_ready

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SIZES = {"phone": (390, 844), "desktop": (1280, 900)}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _shoot(page, name: str, width: int, height: int) -> None:  # type: ignore[no-untyped-def]
    shots = os.environ.get("LEGACY_SCREENSHOTS_DIR")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{shots}/{name}-{width}x{height}.png", full_page=True)


def test_documents_and_the_preview_name_what_each_document_is(page, live_server):
    memorial = memorial_with_writing()
    version_ready(memorial)
    chat = whatsapp_export(SAMPLE_CHAT)
    ingest(memorial, "export.zip", zip_of({"WhatsApp Chat with Jo.txt": chat}))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(memorial.subject.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()

    for width, height in SIZES.values():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + reverse("corpus:documents", args=[memorial.id]))
        jo = page.locator(".corpus-document", has_text="Uploaded from a zip")
        assert "WhatsApp chat" in jo.inner_text()
        assert "Uploaded from a zip: export.zip (WhatsApp Chat with Jo.txt)" in jo.inner_text()
        _shoot(page, "documents", width, height)

        page.goto(live_server.url + reverse("twins:preview", args=[memorial.id]))
        page.get_by_label("Ask your twin something").fill("Where did you grow up?")
        page.get_by_role("button", name="Ask").click()
        drawn = page.locator(".preview-passage").first
        assert "From “George” · WhatsApp chat" in drawn.inner_text()
        _shoot(page, "preview", width, height)
