"""A spoken reply in the browser: the audio comes over the socket while the text streams,
the page shows "speaking…" with a stop button, and once spoken, "Play again" under the reply
(its audio served to this visitor); on a phone and a desktop. The voice is the test double
(tests/voice/speaking_double.py), registered in the worker and the server this test starts."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.browser.conftest import PHONE, asgi_serving
from tests.browser.test_first_conversation import memorial_opened_to_lucy, sign_in
from tests.conftest import celery_worker_start, celery_worker_stop

DESKTOP = {"width": 1280, "height": 800}
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
    shoot(page, "phone-voice-spoken")
    page.set_viewport_size(DESKTOP)
    page.reload()
    page.locator('li.turn-twin[data-seq="2"]').get_by_role("button", name="Play again").wait_for()
    shoot(page, "desktop-voice-spoken")
