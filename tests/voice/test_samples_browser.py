"""The voice pages in a real browser with Chromium's fake microphone: record, pause, resume,
stop, listen back and keep a recording; read the consent aloud. At a phone's size and a
desktop's; with LEGACY_SHOTS=<folder> the pages are saved there as PNGs."""

from __future__ import annotations

import io
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.accounts.factories import PASSWORD
from tests.consent.factories import grant_consent
from tests.memorials.factories import MemorialFactory
from tests.voice import synth_audio
from tests.voice.subject_helpers import DATA, clip
from voice.models import SampleSource, SpokenConsent, TranscriptCheck, VoiceSample
from voice.sample_analysis import sample_analyse
from voice.samples import sample_add

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = os.environ.get("LEGACY_SHOTS", "")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
]


@pytest.fixture
def browser(monkeypatch, settings, tmp_path):
    from playwright.sync_api import sync_playwright

    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  "--autoplay-policy=no-user-gesture-required"],
        )  # fmt: skip
        yield browser
        browser.close()


def open_page(browser, live_server, memorial, size):
    context = browser.new_context(viewport=size)
    context.grant_permissions(["microphone"])
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(memorial.subject.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    return page, refused


def level_of(meter) -> float:
    """The meter's level, 0 to 1, as a screen reader hears it."""
    return int(meter.get_attribute("aria-valuenow")) / 100


def filled_width(meter) -> int:
    """How many pixels across the meter's bar is filled (its dark fill, along its middle
    row), from a screenshot of it."""
    image = Image.open(io.BytesIO(meter.screenshot())).convert("RGB")
    pixels = [image.getpixel((x, image.height // 2)) for x in range(image.width)]
    return sum(1 for r, g, b in pixels if r + g + b < 400)  # sage or amber, not the pale track


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)
        viewport = page.viewport_size or {"width": 390, "height": 844}
        height = page.evaluate("() => document.documentElement.scrollHeight")
        for index, top in enumerate(range(0, height, viewport["height"])):  # screen by screen
            page.screenshot(
                path=str(Path(SHOTS) / f"{name}-{index}.png"),
                full_page=True,
                clip={"x": 0, "y": top, "width": viewport["width"],
                      "height": min(viewport["height"], height - top)},
            )  # fmt: skip


def test_recording_in_the_browser_with_pause_then_keeping_it(browser, live_server, deaf, tmp_path):
    memorial = MemorialFactory(name="Ann Smith", subject__full_name="Ann Smith")
    grant_consent(memorial, "voice")
    page, refused = open_page(browser, live_server, memorial, {"width": 390, "height": 844})
    page.goto(live_server.url + f"/memorials/{memorial.id}/voice/")
    state = page.locator("[data-recorder-state]")
    assert "Ready to record" in state.inner_text()
    page.get_by_role("button", name="Start recording").click()
    page.get_by_role("button", name="Pause").wait_for()
    began = time.monotonic()
    assert "Recording" in state.inner_text()
    meter = page.locator("[data-recorder-level]")
    clock = page.locator("[data-recorder-time]")
    # the level meter moves with the (fake) microphone's beeps, and holds each long enough to
    # be seen: a bar most of a second long, well past a 1 px mark
    levels, widest = [], 0
    for _ in range(20):
        levels.append(level_of(meter))
        if levels[-1] > 0.5 and not widest:  # one look at the bar while it is up
            widest = filled_width(meter)
        page.wait_for_timeout(100)
    assert max(levels) > 0.3, levels
    assert sum(1 for level in levels if level > 0.1) >= 5, levels  # not a flicker
    box = meter.bounding_box()
    assert box is not None and box["height"] >= 12
    assert widest > box["width"] * 0.15, (widest, box)  # a bar, not a 1 px mark
    shot(page, "voice-recording-phone")
    page.get_by_role("button", name="Pause").click()
    recorded = time.monotonic() - began
    assert "Paused at" in state.inner_text()
    page.wait_for_timeout(300)
    paused_at = clock.inner_text()
    paused = []
    for _ in range(15):  # paused: nothing recorded, the meter rests, the clock stands still
        paused.append(level_of(meter))
        page.wait_for_timeout(100)
    assert paused == [0.0] * 15, paused
    assert clock.inner_text() == paused_at
    shot(page, "voice-paused-phone")
    page.get_by_role("button", name="Resume").click()
    began = time.monotonic()
    resumed = []
    for _ in range(15):
        resumed.append(level_of(meter))
        page.wait_for_timeout(100)
    assert max(resumed) > 0.3, resumed
    page.get_by_role("button", name="Stop").click()
    recorded += time.monotonic() - began
    page.get_by_role("button", name="Keep this recording").wait_for()
    said = re.search(r"Recorded (\d+):(\d\d)\.", state.inner_text())
    assert said is not None and abs(int(said[1]) * 60 + int(said[2]) - recorded) < 1.5, recorded
    shot(page, "voice-recorded-phone")
    page.get_by_role("button", name="Keep this recording").click()
    page.wait_for_url("**/voice/")  # the page reloads with the new recording listed
    page.get_by_text("Listening to it").first.wait_for()
    sample = VoiceSample.objects.get(memorial=memorial)
    assert sample.source == SampleSource.RECORDED and sample.size > 1000
    sample_analyse(sample_id=sample.id)
    sample.refresh_from_db()
    # what was recorded before the pause and after it; the 1.8 s paused is not in it
    assert sample.status == "ready"
    assert recorded - 1.2 < sample.analysis["duration_s"] < recorded + 0.9, recorded
    assert refused == [], refused


def test_screens_of_the_voice_pages(browser, live_server, deaf, tmp_path):
    memorial = MemorialFactory(name="Ann Smith", subject__full_name="Ann Smith")
    grant_consent(memorial, "voice")
    flacs = sorted(DATA.rglob("*.flac"))
    files = [
        clip(tmp_path, "Kitchen table story.m4a", synth_audio.phrases(40.0)),
        clip(tmp_path, "Reading Dickens.wav", synth_audio.clipped(10.0)),
        clip(tmp_path, "Voicemail to Sam.mp3", synth_audio.noisy(12.0)),
    ]
    for file in files:
        sample, _ = sample_add(memorial_id=memorial.id, file=file, name=file.name)
        sample_analyse(sample_id=sample.id)
    from django.core.files.uploadedfile import SimpleUploadedFile

    real = SimpleUploadedFile("Evening reading.flac", flacs[0].read_bytes())
    sample_add(memorial_id=memorial.id, file=real, name=real.name)
    sample_add(
        memorial_id=memorial.id,
        file=SimpleUploadedFile("Birthday video.mov", b"not audio at all"),
        name="Birthday video.mov",
    )
    for sample in VoiceSample.objects.filter(memorial=memorial, status="analysing")[:1]:
        sample_analyse(sample_id=sample.id)
    for name, size in (
        ("phone", {"width": 390, "height": 844}),
        ("desktop", {"width": 1280, "height": 900}),
    ):
        page, refused = open_page(browser, live_server, memorial, size)
        page.goto(live_server.url + f"/memorials/{memorial.id}/voice/")
        page.get_by_text("Your recordings together").wait_for()
        shot(page, f"voice-samples-{name}")
        page.goto(live_server.url + f"/memorials/{memorial.id}/voice/consent/")
        page.get_by_text("Read this aloud").wait_for()
        shot(page, f"voice-consent-{name}")
        page.goto(live_server.url + memorial.get_absolute_url())
        page.get_by_role("link", name="Open your voice").wait_for()
        shot(page, f"voice-panel-{name}")
        assert refused == [], refused
    # read aloud, kept unchecked (no speech-to-text here)
    page.goto(live_server.url + f"/memorials/{memorial.id}/voice/consent/")
    page.get_by_role("button", name="Start recording").click()
    page.wait_for_timeout(6000)  # the fake microphone beeps once a second
    page.get_by_role("button", name="Stop").click()
    page.get_by_role("button", name="Send my consent").click()
    page.get_by_text("Your spoken consent is kept").wait_for(timeout=15000)
    spoken = SpokenConsent.objects.get(memorial=memorial, recorded_at__isnull=False)
    assert spoken.transcript_check == TranscriptCheck.UNCHECKED
    shot(page, "voice-consent-done-desktop")
