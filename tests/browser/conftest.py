"""A real browser for the tests in this folder: Debian's chromium through Playwright, at a
phone's size. Without chromium (make test installs it where it can) they are skipped.

Every page a test visits is scanned by axe-core (shipped inside the axe-playwright-python
package, so nothing is fetched): the script is added to each page before its own, runs once
the page has loaded and hands its serious and critical violations back through a binding; a
test whose pages had any fails, as one whose page the Content-Security-Policy refused
something does."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from tests.conftest import REPO, worker_database_url

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Run in every page (top frame only) before its own scripts: once it has loaded, axe-core
# checks it and reports what is serious or critical, with where, to the test.
AXE_ON_LOAD = """
if (window === window.top) {
    window.addEventListener("load", () => {
        window.legacyAxeStarted(location.href);
        axe.run(document, {resultTypes: ["violations"]}).then((results) => {
            const found = results.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
            window.legacyAxeReport(location.href, found);
        });
    });
}
"""


# What a person at 200 % zoom (or on a narrow phone) cannot read: the page scrolling
# sideways, an element reaching past the window's right edge, or a box that hides part of
# its own content (overflow hidden or clipped). Boxes meant to scroll (overflow auto or
# scroll: code, wide tables) and visually hidden text (1 px boxes for screen readers) are
# left out, as WCAG's reflow criterion allows.
CLIPPED_JS = """
() => {
    const width = document.documentElement.clientWidth;
    const found = [];
    if (document.documentElement.scrollWidth > width + 1) {
        found.push(`the page scrolls sideways (${document.documentElement.scrollWidth} px)`);
    }
    const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (el.classList.length ? "." + [...el.classList].join(".") : "");
    const scrolls = (el) => {
        for (let node = el.parentElement; node; node = node.parentElement) {
            const x = getComputedStyle(node).overflowX;
            if (x === "auto" || x === "scroll") return true;
        }
        return false;
    };
    for (const el of document.body.querySelectorAll("*")) {
        const style = getComputedStyle(el);
        if (style.display === "none" || style.visibility === "hidden") continue;
        const box = el.getBoundingClientRect();
        if (box.width <= 1 || box.height <= 1) continue;
        if (box.right > width + 1 && !scrolls(el)) {
            found.push(`${name(el)} reaches ${Math.round(box.right)} px`);
        }
        const hides = ["hidden", "clip"].includes(style.overflowX);
        if (hides && el.scrollWidth > el.clientWidth + 1) {
            found.push(`${name(el)} hides ${el.scrollWidth - el.clientWidth} px of its content`);
        }
    }
    return found.slice(0, 10);
}
"""


def page_clipped(page) -> list[str]:  # type: ignore[no-untyped-def]
    """What is clipped or out of reach on the page in view at its current size ([] if
    nothing): see CLIPPED_JS."""
    return list(page.evaluate(CLIPPED_JS))


class AxeScans:
    """What axe-core found on the pages a test visited: each page's serious and critical
    violations (path: rule: elements), and the pages it checked."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.checked: list[str] = []
        self.violations: list[str] = []
        self.in_view: str | None = None  # the last page whose scan started, until it reports

    def start(self, url: str) -> None:
        self.started.append(url)
        self.in_view = url

    def report(self, url: str, found: list[str]) -> None:
        self.checked.append(url)
        if url == self.in_view:
            self.in_view = None
        path = urllib.parse.urlsplit(url).path
        self.violations += [f"{path}: {violation}" for violation in found]

    def install(self, context) -> None:  # type: ignore[no-untyped-def]
        context.expose_function("legacyAxeStarted", self.start)
        context.expose_function("legacyAxeReport", self.report)
        context.add_init_script(script=AXE_SCRIPT + "\n" + AXE_ON_LOAD)

    def settle(self, page, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
        """Wait (briefly) for the scan of the page in view to start (up to a second: the
        page's word may still be on its way) and to report. A page left before its scan
        finished never reports (a redirect, a form sent at once): it is not waited for."""
        started = time.monotonic()
        while time.monotonic() < started + timeout:
            begun = page.url in self.started or time.monotonic() > started + 1
            if begun and self.in_view is None:
                return
            page.wait_for_timeout(100)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skip = pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it)"
    )
    for item in items:
        if "tests/browser/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)
            item.add_marker(skip)


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls a test makes
    # between browser steps are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        context = browser.new_context(viewport=PHONE, accept_downloads=True)
        axe_scans = AxeScans()
        axe_scans.install(context)
        page = context.new_page()
        page.axe_scans = axe_scans  # type: ignore[attr-defined]
        # The Content-Security-Policy allows no inline script or style: whatever a page does
        # that it refuses shows here, and fails the test.
        refused: list[str] = []
        page.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        yield page
        with contextlib.suppress(Exception):  # the page may be gone (its server stopped)
            axe_scans.settle(page)
        browser.close()
    assert refused == [], refused
    assert axe_scans.violations == [], "axe-core: " + "\n".join(axe_scans.violations)


@contextlib.contextmanager
def asgi_serving(
    settings, *, application: str = "legacy.asgi:application", env: dict[str, str] | None = None
) -> Iterator[str]:
    """`application` in uvicorn, on a free port, against this test's database, Redis and
    channel layer (`env` added to its environment); yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **os.environ,
        **(env or {}),
        "DJANGO_SETTINGS_MODULE": "legacy.settings.test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "LEGACY_CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,  # the channel layer's prefix
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", application, "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=REPO, env=environment,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a busy machine imports slowly
    try:
        while True:
            assert server.poll() is None, "uvicorn exited while starting"
            assert time.monotonic() < deadline, "uvicorn did not answer within 180 s"
            try:
                urllib.request.urlopen(url + "/accounts/login/", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture
def asgi_server(transactional_db, settings):  # type: ignore[no-untyped-def]
    """The real ASGI application (HTTP and websockets) in uvicorn, on a free port, against
    this test's database, Redis and channel layer: pytest-django's `live_server` speaks WSGI
    only, so a page whose socket matters is tested here. Yields its base URL."""
    with asgi_serving(settings) as url:
        yield url
