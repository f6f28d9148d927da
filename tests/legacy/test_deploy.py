"""Safe by default: production settings pass `check --deploy`, pages carry a strict CSP that
the templates satisfy, errors get calm pages, /healthz keeps its details to staff and the
machine itself, and uvicorn believes forwarded headers only from the proxies named."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from legacy import health
from legacy.runtime.serve import uvicorn_args
from tests.accounts.factories import UserFactory

REPO = Path(__file__).resolve().parents[2]


def documented_production_env() -> dict[str, str]:
    """The settings README.md's "Production" section lists, as written there."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Production", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.S).group(1)
    return dict(line.split("=", 1) for line in block.splitlines() if "=" in line)


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    for name in ("DEBUG", "ALLOWED_HOSTS", "SECRET_KEY", "LEGACY_HTTP_PROTOCOL", "HOST"):
        base.pop(name, None)
    # The test run's own servers, so the command starts none.
    base["DATABASE_URL"] = django_settings.DATABASE_URL
    base["REDIS_URL"] = django_settings.REDIS_URL
    base["DJANGO_SETTINGS_MODULE"] = "legacy.settings.base"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_the_documented_production_settings():
    env = documented_production_env()
    env["SECRET_KEY"] = secrets.token_urlsafe(50)  # the README's placeholder is not random
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_fails_when_https_is_not_said():
    env = documented_production_env()
    env.pop("LEGACY_HTTP_PROTOCOL")
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert done.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in done.stderr


def test_with_nothing_set_there_are_no_debug_pages_and_plain_http_still_works():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, '127.0.0.1' in s.ALLOWED_HOSTS and 'localhost' in s.ALLOWED_HOSTS)"
    )
    done = manage("shell", "-v", "0", "-c", code, env={})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "False", "False", "0", "True"]


# --- the pages ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_no_template_has_an_inline_script_style_or_event_handler():
    found = []
    for path in sorted((REPO / "templates").rglob("*.html")):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                found.append(f"{path.name}: {tag}")
        found += [f"{path.name}: <style>" for _ in re.findall(r"<style\b", text)]
        found += [f"{path.name}: {m}" for m in re.findall(r"\sstyle=\"", text)]
        found += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+=\"", text)]
    assert found == []


@pytest.mark.django_db
def test_a_dead_link_gets_a_calm_page_not_the_list_of_urls(client):
    response = client.get("/memorials/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "We could not find this page" in page
    assert "URLconf" not in page and "memorials/" not in page.split("<main", 1)[1]


@pytest.mark.django_db
def test_a_memorial_someone_may_not_see_gets_the_same_calm_page(client):
    client.force_login(UserFactory())
    response = client.get("/memorials/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404 and "We could not find this page" in response.text


@pytest.mark.django_db
def test_an_error_gets_a_calm_apology(client, monkeypatch):
    def broken() -> dict:
        raise RuntimeError("a bug")

    monkeypatch.setattr(health, "database_health", broken)
    client.raise_request_exception = False
    response = client.get("/healthz")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "a bug" not in response.text and "Traceback" not in response.text


# --- /healthz -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("workers_up", [True, False])
def test_healthz_tells_strangers_only_the_verdict(client, monkeypatch, workers_up):
    # The workers' answer is fixed: a live worker of another test process on the same broker
    # may start or stop between two requests, and the verdict would change with it.
    answer = (
        {"up": True, "workers": ["test-one"]}
        if workers_up
        else {"up": False, "workers": [], "error": "no Celery worker answered a ping"}
    )
    monkeypatch.setattr(health, "workers_health", lambda: answer)
    verdict, status = ("ok", 200) if workers_up else ("down", 503)

    stranger = client.get("/healthz", REMOTE_ADDR="203.0.113.9")
    local = client.get("/healthz", REMOTE_ADDR="::1")
    client.force_login(UserFactory(is_staff=True))
    staff = client.get("/healthz", REMOTE_ADDR="203.0.113.9")

    assert stranger.json() == {"status": verdict}
    assert local.json()["database"]["pgvector"] and local.json()["celery"] == answer
    assert staff.json()["database"]["pgvector"] and staff.json()["celery"] == answer
    assert {r.status_code for r in (stranger, local, staff)} == {status}  # the same verdict
    assert {r.json()["status"] for r in (local, staff)} == {verdict}


# --- uvicorn and forwarded headers ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client_seen(forwarded_allow_ips: str) -> str:
    """What an app behind `make run`'s uvicorn sees of a loopback client that claims, in
    X-Forwarded-For and X-Forwarded-Proto, to be someone else over https."""
    port = free_port()
    args = uvicorn_args(host="127.0.0.1", port=port, forwarded_allow_ips=forwarded_allow_ips)
    args[args.index("legacy.asgi:application")] = "tests.legacy.echo_app:app"
    env = {k: v for k, v in os.environ.items() if k != "FORWARDED_ALLOW_IPS"}
    server = subprocess.Popen([sys.executable, *args], cwd=REPO, env=env)
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/",
            headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
        )
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=2) as reply:
                return reply.read().decode()
            assert time.monotonic() < deadline and server.poll() is None
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_uvicorn_ignores_forwarded_headers_unless_the_proxy_is_named():
    assert client_seen("") == "127.0.0.1 http"
    assert client_seen("127.0.0.1") == "203.0.113.7 https"
