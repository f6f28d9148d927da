"""A spoken reply in the browser: the audio comes over the socket while the text streams,
the page shows "speaking…" with a stop button, and once spoken, "Play again" under the reply
(its audio served to this visitor); on a phone and a desktop. The voice is the test double
(tests/voice/speaking_double.py), registered in the worker and the server this test starts."""

from __future__ import annotations

import base64
import os
import threading
import time
from pathlib import Path

import pytest

from conversations.models import MessageStatus
from core.events import EventKind, event_send_now
from tests.browser.conftest import PHONE, asgi_serving
from tests.browser.test_first_conversation import memorial_opened_to_lucy, sign_in
from tests.conftest import celery_worker_start, celery_worker_stop
from tests.voice.speaking_double import TRANSCRIPT, tone
from tests.voice.test_spoken_replies import conversation_with_replies, replies_spoken
from voice.speaking import SPEECH_FAILED, voice_description

DESKTOP = {"width": 1280, "height": 900}
SHOTS = os.environ.get("LEGACY_SHOTS_DIR", "")  # set to keep screenshots there
VOICE_ENV = {
    "LEGACY_VOICE_PROVIDER": "double",
    "LEGACY_SPEAK_REPLIES": "1",
    "LEGACY_TEST_TONE_SECONDS": "1.2",
}


@pytest.fixture
def voice_server(transactional_db, settings):  # type: ignore[no-untyped-def]
    """As `asgi_server`, serving the application with the speaking double registered."""
    with asgi_serving(
        settings, application="tests.voice.speaking_processes:application", env=VOICE_ENV
    ) as url:
        yield url


@pytest.fixture
def voice_worker(transactional_db, settings):  # type: ignore[no-untyped-def]
    worker = celery_worker_start(
        env={**VOICE_ENV, "MEDIA_ROOT": str(settings.MEDIA_ROOT)},
        include="tests.voice.speaking_processes",
        queues=[settings.LEGACY_SPEECH_QUEUE],  # the spoken replies' queue too
    )
    try:
        yield worker
    finally:
        celery_worker_stop(worker)


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=False)


def test_a_spoken_reply_shows_speaking_then_play_again(page, voice_server, voice_worker):
    memorial, lucy = memorial_opened_to_lucy()
    sign_in(page, voice_server, lucy)
    page.goto(voice_server + f"/memorials/{memorial.id}/conversation/")
    page.locator("[data-live-status]").get_by_text("live", exact=True).wait_for()
    page.locator("[data-voice-about]").get_by_text("It is not Ann Smith's voice.").wait_for()
    voice = page.get_by_role("group", name="Voice")
    assert (
        voice.get_by_role("button", name="Replies are spoken").get_attribute("aria-pressed")
        == "true"
    )
    page.get_by_label("Your message").fill("Do you remember sailing to Falmouth?")
    page.get_by_role("button", name="Send").click()

    # the reply is spoken as it comes: "speaking…" with a stop button, the reply marked
    speaking = voice.locator("[data-speaking]")
    speaking.wait_for(state="visible", timeout=30_000)
    assert speaking.get_by_role("button", name="Stop").is_visible()
    page.locator("li.turn-twin.is-speaking").wait_for(timeout=10_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "phone-voice-speaking")

    # once spoken: "Play again" under the reply, its audio served to Lucy
    reply = page.locator('li.turn-twin[data-seq="2"]')
    replay = reply.get_by_role("button", name="Play again")
    replay.wait_for(timeout=30_000)
    speaking.wait_for(state="hidden", timeout=30_000)
    src = replay.get_attribute("data-replay-src")
    assert src == f"/memorials/{memorial.id}/voice/replies/2/audio/"
    for _ in range(100):  # stored just after its last piece was sent
        status = page.evaluate("(src) => fetch(src).then((r) => r.status)", src)
        if status == 200:
            break
        time.sleep(0.1)
    assert status == 200
    # the newest reply's "Play again" is in sight, not under the composer (voice bar and all)
    page.wait_for_timeout(300)
    button, composer = replay.bounding_box(), page.locator("form.composer").bounding_box()
    assert button is not None and composer is not None
    assert button["y"] >= 0 and button["y"] + button["height"] <= composer["y"], (button, composer)
    shoot(page, "phone-voice-spoken")
    page.set_viewport_size(DESKTOP)
    page.reload()
    page.locator('li.turn-twin[data-seq="2"]').get_by_role("button", name="Play again").wait_for()
    shoot(page, "desktop-voice-spoken")


def test_replies_spoken_while_the_socket_was_away_can_be_heard(page, voice_server):
    """Audio sent while the page's socket was down is not sent again: when the socket is back
    (and when a page opens), the page asks which replies ended speaking meanwhile, offers
    "Hear this reply" under one kept whole and shows the notice under one that failed."""
    memorial, lucy = memorial_opened_to_lucy()
    conversation = conversation_with_replies(memorial, lucy)  # none spoken yet, as it opens
    sign_in(page, voice_server, lucy)
    page.set_viewport_size(DESKTOP)
    page.add_init_script(KEEP_SOCKETS)
    page.goto(voice_server + f"/memorials/{memorial.id}/conversation/")
    live = page.locator("[data-live-status]").get_by_text("live", exact=True)
    live.wait_for()
    two = page.locator('li.turn-twin[data-seq="2"]')
    four = page.locator('li.turn-twin[data-seq="4"]')
    assert two.locator("[data-replay]").count() == 0

    # the connection drops (closed under the page, as a lost network does); meanwhile reply
    # 2 was spoken and kept, reply 4's voice failed; then the page reconnects by itself
    replies_spoken(conversation)
    page.evaluate("window.legacySockets.at(-1).close(4999)")
    page.locator("[data-live-status]").get_by_text("reconnecting…").wait_for()
    live.wait_for(timeout=30_000)
    assert page.evaluate("window.legacySockets.length") == 2
    hear = two.get_by_role("button", name="Hear this reply")
    hear.wait_for(timeout=10_000)
    src = hear.get_attribute("data-replay-src")
    assert src == f"/memorials/{memorial.id}/voice/replies/2/audio/"
    assert page.evaluate("(src) => fetch(src).then((r) => r.status)", src) == 200
    # the session's AI line was sent while away: the page has it spoken again and plays it
    # first, then the reply
    asked = requests_kept(page)
    hear.click()
    page.locator("[data-voice][data-line-heard]").wait_for(timeout=10_000)
    line = voice_server + f"/memorials/{memorial.id}/voice/line/"
    for _ in range(100):  # the page's requests reach `asked` only while Playwright waits
        if voice_server + src in asked:
            break
        page.wait_for_timeout(100)
    assert [url for url in asked if url in (line, voice_server + src)] == [line, voice_server + src]
    four.get_by_text(SPEECH_FAILED).wait_for(timeout=10_000)
    assert four.locator("[data-replay]").count() == 0
    assert page.locator('li.turn-twin[data-seq="6"] [data-replay]').count() == 0  # speaking
    shoot(page, "desktop-voice-missed")

    # a page opened later: "Play again" from the server, the notice once the socket is live
    page.set_viewport_size(PHONE)
    page.reload()
    two.get_by_role("button", name="Play again").wait_for()
    four.get_by_text(SPEECH_FAILED).wait_for(timeout=10_000)
    four.scroll_into_view_if_needed()
    shoot(page, "phone-voice-failed-notice")


def test_a_reply_cut_part_way_plays_its_rest_then_offers_the_whole(page, voice_server):
    """The connection drops partway through a spoken reply: what was sent meanwhile is lost,
    the rest plays as it comes, then the whole reply is offered as missed ("Hear this
    reply"), its AI line not asked for again (heard at its start). A reply whose start, AI
    line and all, was sent while away: the page has the line spoken again before the rest
    plays, and offers the whole reply as missed too."""
    memorial, lucy = memorial_opened_to_lucy()
    conversation = conversation_with_replies(memorial, lucy)
    # reply 2's words still streaming as it is spoken: each socket shows it, and its audio
    conversation.messages.filter(seq=2).update(status=MessageStatus.STREAMING)
    sign_in(page, voice_server, lucy)
    page.add_init_script(KEEP_SOCKETS)
    asked = requests_kept(page)
    page.goto(voice_server + f"/memorials/{memorial.id}/conversation/")
    live = page.locator("[data-live-status]").get_by_text("live", exact=True)
    live.wait_for()
    page.get_by_label("Your message").click()  # a tap: the page may play sound
    line_text = voice_description(kind="generic", name="Ann Smith", preview=False)
    line_url = voice_server + f"/memorials/{memorial.id}/voice/line/"

    def cut(seq: int, *, before: list[dict], away: list[dict], after: list[dict]) -> None:
        for piece in before:
            audio_piece(memorial, lucy, seq=seq, **piece)
        if before:  # its line is playing here, then the connection drops
            page.locator("[data-voice][data-line-heard]").wait_for(timeout=10_000)
            page.locator(f'li.turn-twin.is-speaking[data-seq="{seq}"]').wait_for()
        sockets = page.evaluate("window.legacySockets.length")
        page.evaluate("window.legacySockets.at(-1).close(4999)")
        page.locator("[data-live-status]").get_by_text("reconnecting…").wait_for()
        for piece in away:  # no socket to take them: lost
            audio_piece(memorial, lucy, seq=seq, **piece)
        live.wait_for(timeout=30_000)
        assert page.evaluate("window.legacySockets.length") == sockets + 1
        for piece in after:
            audio_piece(memorial, lucy, seq=seq, **piece)

    two = page.locator('li.turn-twin[data-seq="2"]')
    cut(
        2,
        before=[{"index": 0, "text": line_text, "line": True}, {"index": 1, "text": "Hello,"}],
        away=[{"index": 2, "text": "love."}],
        after=[{"index": 3, "text": "Mm."}, {"index": 4, "last": True}],
    )
    hear = two.get_by_role("button", name="Hear this reply")
    hear.wait_for(timeout=10_000)
    assert hear.get_attribute("data-missed") == ""
    assert line_url not in asked  # heard live at the reply's start
    replies_spoken(conversation)  # reply 2 kept whole
    hear.click()
    src = voice_server + f"/memorials/{memorial.id}/voice/replies/2/audio/"
    for _ in range(100):  # the page's requests reach `asked` only while Playwright waits
        if src in asked:
            break
        page.wait_for_timeout(100)
    assert src in asked and line_url not in asked

    # a page opened since, whose socket was away as reply 8 began (its AI line with it)
    page.reload()
    live.wait_for()
    page.get_by_label("Your message").click()
    eight = page.locator('li.turn-twin[data-seq="8"]')
    cut(
        8,
        before=[],
        away=[{"index": 0, "text": line_text, "line": True}, {"index": 1, "text": "Bye,"}],
        after=[{"index": 2, "text": "love."}, {"index": 3, "last": True}],
    )
    page.locator("[data-voice][data-line-heard]").wait_for(timeout=10_000)
    assert line_url in asked  # spoken again, played before the rest
    eight.get_by_role("button", name="Hear this reply").wait_for(timeout=10_000)
    assert eight.get_by_role("button", name="Play again").count() == 0
    shoot(page, "phone-voice-cut-part-way")


def requests_kept(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The URLs the page asks for from now on, in order."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def audio_piece(
    memorial, visitor, *, seq: int, index: int, text: str = "", last: bool = False,
    line: bool = False,
) -> None:  # fmt: skip
    """Piece `index` of reply `seq`'s audio sent to `visitor`'s page over its socket, as the
    speaking session sends it (from a thread of its own, as there)."""
    data = {
        "seq": seq, "index": index, "mime": "audio/wav", "last": last, "voice_kind": "generic",
        "audio": base64.b64encode(tone(text, seconds=0.3) if text else b"").decode("ascii"),
    }  # fmt: skip
    if line:
        data["line"] = True
    sender = threading.Thread(
        target=event_send_now,
        kwargs={"memorial_id": memorial.id, "visitor_id": visitor.id,
                "kind": EventKind.CONVERSATION_AUDIO, "data": data},
    )  # fmt: skip
    sender.start()
    sender.join()


# Each socket the page opens, kept where a test can close it (as a dropped connection would).
KEEP_SOCKETS = """
window.legacySockets = [];
const PageSocket = window.WebSocket;
window.WebSocket = function (url, protocols) {
    const socket = new PageSocket(url, protocols);
    window.legacySockets.push(socket);
    return socket;
};
window.WebSocket.prototype = PageSocket.prototype;
for (const name of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) {
    window.WebSocket[name] = PageSocket[name];
}
"""


@pytest.fixture
def mic_page(monkeypatch):  # type: ignore[no-untyped-def]
    """A phone-sized page in Chromium with its fake microphone (a beep a second), allowed."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"],
        )  # fmt: skip
        context = browser.new_context(viewport=PHONE)
        context.grant_permissions(["microphone"])
        yield context.new_page()
        browser.close()


def test_hold_to_speak_puts_the_words_in_the_composer_to_correct_before_sending(
    mic_page, voice_server
):
    page = mic_page
    memorial, lucy = memorial_opened_to_lucy()
    sign_in(page, voice_server, lucy)
    page.goto(voice_server + f"/memorials/{memorial.id}/conversation/")
    page.locator("[data-live-status]").get_by_text("live", exact=True).wait_for()
    hold = page.get_by_role("button", name="Hold to speak")
    assert hold.is_enabled()
    box = hold.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.get_by_text("Listening… let go when you have finished.").wait_for()
    page.wait_for_timeout(1500)
    page.mouse.up()
    page.get_by_text("Check the words, correct them if needed, then send.").wait_for()
    composer = page.get_by_label("Your message")
    assert composer.input_value() == TRANSCRIPT  # heard by the double's speech-to-text
    assert page.evaluate("document.activeElement.id") == "composer-text"
    assert page.locator("li.turn-visitor").count() == 0  # never sent by itself
    shoot(page, "phone-voice-heard")
    composer.fill(TRANSCRIPT.replace("May", "June"))  # corrected, then sent by the visitor
    page.get_by_role("button", name="Send").click()
    page.locator('li.turn-visitor[data-seq="1"]').get_by_text("garden in June").wait_for()
