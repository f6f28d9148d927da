"""`make run`'s supervisor on a fresh var/: everything comes up, and nothing is left behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(var: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEGACY_", "DJANGO_"))}
    for name in ("DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    return {**env, "LEGACY_VAR_DIR": str(var), "HOST": "127.0.0.1", "PORT": str(port)}


def processes_using(var: Path) -> list[str]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(var) in cmdline and proc.pid != os.getpid():
            found.append(f"{proc.pid} {cmdline[:120]}")
    return found


def healthz(port: int, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status, json.load(reply)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def fetch(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, _lower(reply.headers), reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, _lower(error.headers), error.read().decode()


def _lower(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def readable_by_others(var: Path) -> list[str]:
    """Everything under var/ that its group or others could read, write or enter. (var/
    itself is left out: as root, pgserver opens it for its own user to pass through.)"""
    return [
        f"{oct(path.lstat().st_mode & 0o777)} {path.relative_to(var)}"
        for path in var.rglob("*")
        if not path.is_symlink() and path.lstat().st_mode & 0o077
    ]


def manage(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.worker
def test_make_run_serves_everything_and_stops_cleanly(tmp_path):
    var, port = tmp_path / "var", free_port()
    env = clean_env(var, port)
    serve = subprocess.Popen(
        [sys.executable, "-m", "legacy.runtime.serve"], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        # given `make run` on an empty var/: it becomes healthy (db + pgvector, redis, worker)
        deadline = time.monotonic() + 150
        status, body = 0, {}
        while time.monotonic() < deadline and status != 200:
            assert serve.poll() is None, serve.stdout.read()[-3000:]
            with contextlib.suppress(OSError):
                status, body = healthz(port)
            time.sleep(1)
        assert status == 200, body
        assert body["database"]["pgvector"]
        # without debug pages: a dead link gets the calm page, not the list of URL patterns
        status, headers, page = fetch(f"http://localhost:{port}/no-such-page/")
        assert status == 404 and "We could not find this page" in page, page[:500]
        assert "URLconf" not in page and "script-src 'self'" in headers["content-security-policy"]
        # static files come through WhiteNoise
        status, headers, css = fetch(f"http://127.0.0.1:{port}/static/css/legacy.css")
        assert status == 200 and headers["content-type"].startswith("text/css") and css
        # a loopback client claiming to be elsewhere is not believed: it still is loopback
        assert "database" in healthz(port, {"X-Forwarded-For": "203.0.113.7"})[1]
        # and what it keeps under var/ is for its owner only
        assert readable_by_others(var) == []
        # when another process comes and goes (like `manage.py shell`), it uses the running
        # servers and does not stop them on its way out
        manage(env, "from accounts.models import User; User.objects.create_user('a@b.org', 'x')")
        assert healthz(port)[0] == 200
    finally:
        serve.send_signal(signal.SIGTERM)
        output, _ = serve.communicate(timeout=90)
    # then SIGTERM stops everything it started, Postgres and Redis included
    assert serve.returncode == 0, output[-3000:]
    time.sleep(1)
    assert processes_using(var) == []
    # and a later process finds the data again in var/, and also leaves nothing behind
    count = manage(env, "from accounts.models import User; print(User.objects.count())")
    assert count.strip() == "1"
    time.sleep(1)
    assert processes_using(var) == []
