"""A real browser for the tests in this folder: Debian's chromium through Playwright, at a
phone's size. Without chromium (make test installs it where it can) they are skipped."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.conftest import REPO, worker_database_url

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = {"width": 390, "height": 844}


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
        page = context.new_page()
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
        browser.close()
    assert refused == [], refused


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
    deadline = time.monotonic() + 60
    try:
        while True:
            assert server.poll() is None, "uvicorn exited while starting"
            assert time.monotonic() < deadline, "uvicorn did not answer within 60 s"
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
