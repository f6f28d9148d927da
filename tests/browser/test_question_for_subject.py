"""A question passed on to the living subject, in real browsers against the real ASGI app
and a real worker: Lucy, on her phone, asks for a question the twin could not answer to go
to Ann; Ann, on a laptop, finds it on her memorial page and answers; Lucy's open
conversation says so at once."""

from __future__ import annotations

from conversations.models import Message, MessageRole, MessageStatus
from tests.browser.test_first_conversation import memorial_opened_to_lucy, sign_in

QUESTION = "What did you put in the plum cake for my christening?"


def test_lucy_asks_ann_herself_and_is_told_when_she_answers(
    page, asgi_server, celery_worker_process
):
    memorial, lucy = memorial_opened_to_lucy()
    conversation = f"{asgi_server}/memorials/{memorial.id}/conversation/"

    # given Lucy's question, which the twin answered without knowing
    sign_in(page, asgi_server, lucy)
    page.goto(conversation)
    page.locator("[data-live-status]").get_by_text("live", exact=True).wait_for()
    page.get_by_label("Your message").fill(QUESTION)
    page.get_by_role("button", name="Send").click()
    page.locator('li.turn-twin[data-seq="2"][data-status="complete"]').wait_for(timeout=60_000)
    # (whether the twin knew is decided elsewhere: here it did not)
    Message.objects.filter(
        conversation__memorial=memorial, seq=2, role=MessageRole.TWIN,
        status=MessageStatus.COMPLETE,
    ).update(abstained=True)  # fmt: skip
    page.reload()

    # when Lucy agrees to pass it on
    reply = page.locator("#turn-2")
    reply.get_by_text("Would you like me to ask Ann Smith directly?").wait_for()
    reply.get_by_role("button", name="Ask Ann Smith").click()
    reply.get_by_text("You passed this question on to Ann Smith.").wait_for()
    page.locator("[data-live-status]").get_by_text("live", exact=True).wait_for()

    # then Ann, on her laptop, finds it on her memorial page, and answers
    laptop = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    ann = laptop.new_page()
    sign_in(ann, asgi_server, memorial.subject)
    ann.goto(asgi_server + memorial.get_absolute_url())
    panel = ann.locator("#questions")
    panel.get_by_text("Lucy", exact=True).wait_for()
    panel.get_by_text(QUESTION).wait_for()
    panel.get_by_role("link", name="Answer").click()
    ann.get_by_label("Your answer").fill(
        "Damsons from the old tree, a little brandy and far too much cardamom."
    )
    ann.get_by_role("button", name="Add my answer").click()
    ann.get_by_text("Your answer is now part of your writing").wait_for()
    assert ann.locator("#questions").get_by_text(QUESTION).count() == 0
    laptop.close()

    # and Lucy's open conversation says so at once, without a reload
    reply.get_by_text("Ann Smith answered your question.").wait_for(timeout=15_000)
    assert reply.get_by_text("You passed this question on").count() == 0
