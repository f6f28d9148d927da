"""A family member's first conversation, on a phone, in a real browser against the real ASGI
application (uvicorn: HTTP and the websocket) and a real Celery worker writing the reply:
they sign in, open the memorial, then the conversation, send a message and see it
acknowledged and the twin's reply."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from accounts.models import User
from core.consent import ConsentScope
from core.crypto import memorial_cipher
from corpus.parsers.base import ParsedDocument, ParsedMessage
from corpus.services.ingest import corpus_people
from corpus.services.passages_store import document_ingest
from memorials.models import Memorial, Role
from memorials.opening import memorial_open_while_living
from memorials.wishes import wishes_update
from tests.accounts.factories import PASSWORD
from tests.browser.conftest import DESKTOP, PHONE
from tests.consent.factories import grant_consent
from tests.memorials.factories import MembershipFactory, MemorialFactory

if TYPE_CHECKING:
    from playwright.sync_api import Page

JOURNAL = (
    "Sunday. We took the little boat out to Falmouth again, the whole family, and Lucy "
    "steered most of the way home. The sea was grey and kind."
)


def memorial_opened_to_lucy() -> tuple[Memorial, User]:
    """A living subject's memorial, opened to family, with some of their writing, and Lucy,
    their family, who may talk with the twin."""
    memorial = MemorialFactory(name="Ann Smith", subject__full_name="Ann Smith")
    grant_consent(memorial, ConsentScope.CORPUS, ConsentScope.CONVERSATION_LIVING)
    cipher = memorial_cipher(memorial_id=memorial.id)
    document_ingest(
        memorial_id=memorial.id, upload=None, cipher=cipher,
        people=corpus_people(memorial_id=memorial.id, cipher=cipher),
        parsed=ParsedDocument(kind="journal", source="text", title="Falmouth",
                              messages=[ParsedMessage(author="", text=JOURNAL)]),
    )  # fmt: skip
    lucy = MembershipFactory(memorial=memorial, role=Role.FAMILY, user__full_name="Lucy").user
    wishes_update(
        memorial=memorial, actor=memorial.subject, visitors="all_family", named_visitors=[],
        forbidden_topics=[], talk_while_living=True, sunset="none", sunset_years=None,
        sunset_on=None, ending="archive",
    )  # fmt: skip
    memorial_open_while_living(memorial=memorial, actor=memorial.subject)
    return memorial, lucy


def sign_in(page: Page, base: str, user: User) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("button", name="Sign out").wait_for()


def test_a_family_members_first_conversation_on_a_phone(page, asgi_server, celery_worker_process):
    # given a living subject's memorial, opened to family
    memorial, lucy = memorial_opened_to_lucy()

    # when Lucy signs in on her phone and opens the memorial, then the conversation
    sign_in(page, asgi_server, lucy)
    page.goto(asgi_server + memorial.get_absolute_url())
    page.get_by_role("heading", name="Talk with Ann Smith").wait_for()
    page.get_by_role("link", name="Open the conversation").click()
    page.get_by_role("heading", name="Talking with Ann Smith").wait_for()
    page.locator("[data-live-status]").get_by_text("live", exact=True).wait_for()

    # and sends her first message
    page.get_by_label("Your message").fill("Do you remember sailing to Falmouth?")
    page.get_by_role("button", name="Send").click()

    # then it is acknowledged (numbered by the server, no longer "sending")
    mine = page.locator('li.turn-visitor[data-seq="1"]:not(.sending)')
    mine.get_by_text("Do you remember sailing to Falmouth?").wait_for(timeout=15_000)
    # and the twin's reply, written by the worker, streams in and completes
    reply = page.locator('li.turn-twin[data-seq="2"][data-status="complete"]')
    reply.wait_for(timeout=60_000)
    assert reply.locator("[data-text]").inner_text().strip()
    assert page.get_by_text("Say hello, or ask about something").is_hidden()

    # and on the phone the reply and the composer are both in view, the page no wider
    composer = page.locator("[data-composer]").bounding_box()
    shown = reply.bounding_box()
    assert composer and shown
    assert composer["y"] + composer["height"] <= PHONE["height"] + 1
    assert 0 <= shown["y"] < composer["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.get_by_role("button", name="Send").is_enabled()

    # and "where this comes from" names the document each passage is from, as it streamed in
    # and once the page is read again
    for reload in (False, True):
        if reload:
            page.reload()
            reply.wait_for()
        sources = reply.locator("[data-sources]")
        sources.locator("summary").click()
        assert "From “Falmouth” · Journal entry, from a text file" in sources.inner_text()
    if shots := os.environ.get("LEGACY_SCREENSHOTS_DIR"):
        Path(shots).mkdir(parents=True, exist_ok=True)
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            sources.locator(".turn-source-document").evaluate(
                "el => el.scrollIntoView({block: 'center'})"
            )
            page.screenshot(
                path=f"{shots}/conversation-sources-{size['width']}x{size['height']}.png"
            )
