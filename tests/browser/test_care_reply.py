"""A care reply on the conversation page, in a real browser on a phone: the crisis lines are
links to call or text, the offer to let the steward know is one tap, and the socket's
history does not show the card twice."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import connection, transaction

from conversations.guardrails.alerts import steward_reach
from conversations.guardrails.care import CARE_LABEL, care_reply_chunks
from conversations.guardrails.helplines import helplines_for
from conversations.guardrails.outbound import OutboundGuard
from conversations.models import Concern, Conversation, Message, MessageRole, MessageStatus
from conversations.replies import ReplyStream
from conversations.services.reply_writing import _reply_finish
from core.allowances import AllowanceKind
from core.crypto import memorial_cipher
from memorials.models import Role
from tests.browser.conftest import PHONE
from tests.browser.test_first_conversation import memorial_opened_to_lucy, sign_in
from tests.memorials.factories import MembershipFactory

if TYPE_CHECKING:
    from playwright.sync_api import Page

SHOTS = os.environ.get("LEGACY_SHOTS_DIR", "")
WORDS = "I can't see the point of anything since you went. I don't want to be here."


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_a_care_reply_shows_lines_to_tap_and_the_offer(page, asgi_server):
    memorial, lucy = memorial_opened_to_lucy()
    steward = MembershipFactory(
        memorial=memorial, role=Role.STEWARD, user__full_name="Maria Lopez"
    ).user
    lucy.country = "GB"
    lucy.save(update_fields=["country"])
    cipher = memorial_cipher(memorial_id=memorial.id)
    conversation = Conversation.objects.create(memorial=memorial, visitor=lucy, last_seq=2)
    asked = Message.objects.create(
        conversation=conversation, seq=1, role=MessageRole.VISITOR, client_id="c1",
        text_encrypted=cipher.encrypt_text(WORDS), concern=Concern.CRISIS, risk=0.9,
    )  # fmt: skip
    care = "".join(
        care_reply_chunks(
            memorial_name="Ann Smith", help=helplines_for(country="GB"), steward="Maria"
        )
    )
    Message.objects.create(
        conversation=conversation, seq=2, role=MessageRole.TWIN, reply_to=asked,
        text_encrypted=cipher.encrypt_text(care), concern=Concern.CRISIS,
        provider_label=CARE_LABEL,
    )  # fmt: skip

    sign_in(page, asgi_server, lucy)
    page.goto(f"{asgi_server}/memorials/{memorial.id}/conversation/")
    page.locator("[data-live-status]").get_by_text("live", exact=True).wait_for()
    reply = page.locator('li.turn-twin[data-seq="2"]')
    assert reply.locator("[data-care]").count() == 1  # the history did not add a second
    assert reply.get_by_role("link", name="Call 116 123").get_attribute("href") == "tel:116123"
    assert reply.get_by_role("link", name="Call 999").get_attribute("href") == "tel:999"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    reply.scroll_into_view_if_needed()
    shot(page, "care-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    shot(page, "care-desktop")
    page.set_viewport_size(PHONE)

    # "Choose your country" opens the country control
    reply.get_by_role("link", name="Choose your country").click()
    page.get_by_label("Your country").wait_for(state="visible", timeout=5_000)

    # one tap lets Maria know
    reply.get_by_role("button", name="Let Maria know").click()
    page.get_by_text("We've let them know").wait_for()
    assert conversation.memorial.safety_alerts.count() == 1

    # and when Lucy also shares what she wrote, Maria reads it in the safety notes
    steward_reach(memorial_id=memorial.id, visitor=lucy, reply_seq=2, share=True)
    page.context.clear_cookies()
    sign_in(page, asgi_server, steward)
    page.goto(asgi_server + memorial.get_absolute_url() + "#safety")
    page.get_by_role("heading", name="Safety notes").wait_for()
    page.get_by_text("What Lucy chose to share").click()
    page.get_by_text(WORDS).wait_for()
    shot(page, "safety-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    shot(page, "safety-desktop")


def test_a_care_reply_arriving_live_gets_its_card(page, asgi_server):
    # given Lucy on the conversation page while a reply is being written
    memorial, lucy = memorial_opened_to_lucy()
    MembershipFactory(memorial=memorial, role=Role.STEWARD, user__full_name="Maria Lopez")
    lucy.country = "IE"
    lucy.save(update_fields=["country"])
    cipher = memorial_cipher(memorial_id=memorial.id)
    conversation = Conversation.objects.create(memorial=memorial, visitor=lucy, last_seq=2)
    asked = Message.objects.create(
        conversation=conversation, seq=1, role=MessageRole.VISITOR, client_id="c1",
        text_encrypted=cipher.encrypt_text(WORDS), concern=Concern.CRISIS, risk=0.9,
    )  # fmt: skip
    reply = Message.objects.create(
        conversation=conversation, seq=2, role=MessageRole.TWIN, reply_to=asked,
        text_encrypted=cipher.encrypt_text(""), status=MessageStatus.STREAMING,
    )  # fmt: skip
    sign_in(page, asgi_server, lucy)
    page.goto(f"{asgi_server}/memorials/{memorial.id}/conversation/")
    page.locator("[data-live-status]").get_by_text("live", exact=True).wait_for()
    turn = page.locator('li.turn-twin[data-seq="2"]')
    turn.wait_for()
    assert turn.locator("[data-care]").count() == 0

    # when the care reply ends (as the reply task ends it)
    help = helplines_for(country="IE")
    care = "".join(care_reply_chunks(memorial_name="Ann Smith", help=help, steward="Maria"))
    stream = ReplyStream(passages=[], reply=None, concern=Concern.CRISIS, _label=CARE_LABEL)

    def finish() -> None:  # in a thread of its own, as a worker would (Playwright's loop is here)
        with transaction.atomic():
            _reply_finish(
                reply=reply,
                stream=stream,
                guard=OutboundGuard(name="Ann Smith"),  # the care text passes it unchecked
                text=care,
                encrypted=cipher.encrypt_text(care),
                kind=AllowanceKind.FAMILY_MESSAGES,
            )
        connection.close()

    worker = threading.Thread(target=finish)
    worker.start()
    worker.join(timeout=30)

    # then the card appears under it, for that reply, with Ireland's lines to tap
    turn.locator("[data-care]").wait_for(timeout=15_000)
    assert turn.locator("[data-care-seq]").get_attribute("value") == "2"
    call = turn.get_by_role("link", name="Call 1800 247 247")
    assert call.get_attribute("href") == "tel:1800247247"
    assert turn.get_by_role("link", name="Text HELLO to 50808").is_visible()
