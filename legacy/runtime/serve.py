"""`make run`: the whole of Legacy on one machine, and nothing left behind when it stops.

Holds the embedded Postgres and Redis (or uses DATABASE_URL / REDIS_URL), migrates (as the
database owner: DATABASE_OWNER_URL), then runs a Celery worker, the worker of spoken replies
(`speech_worker_args`), Celery beat and uvicorn (HTTP and websockets) as children, which
connect as the app's role. Ctrl-C, SIGTERM, a dying child or a vanished parent (`make`
killed) all lead to the same ordered shutdown: children first, then the servers this
process holds.

Without debug pages (DEBUG=0) unless started with `--debug` (`make dev`). Everything it and
its children write (under var/ and elsewhere) is for this user only (umask 077). uvicorn
believes X-Forwarded-For / X-Forwarded-Proto only from the addresses in FORWARDED_ALLOW_IPS
(none by default), so a client cannot choose the IP address Legacy sees.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from legacy.runtime import embedded

BASE_DIR = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
CHILD_STOP_TIMEOUT_S = 20


def uvicorn_args(*, host: str, port: int, forwarded_allow_ips: str) -> list[str]:
    """uvicorn's command line. Forwarded headers are believed only from the proxies named
    (comma-separated addresses or networks); with none named, they are ignored, from loopback
    too (uvicorn alone would trust 127.0.0.1)."""
    args = ["-m", "uvicorn", "legacy.asgi:application", "--host", host, "--port", str(port)]
    args += ["--lifespan", "off", "--no-server-header"]
    proxies = ",".join(ip.strip() for ip in forwarded_allow_ips.split(",") if ip.strip())
    if proxies:
        return [*args, "--proxy-headers", "--forwarded-allow-ips", proxies]
    return [*args, "--no-proxy-headers"]


SPEECH_THREADS = "8"  # replies spoken at once (the offline voice speaks one sentence at a time)


def speech_worker_args(*, pid: int) -> list[str]:
    """The worker of spoken replies alone (`voice.tasks.voice_reply_speak`), on their own
    queue (settings.LEGACY_SPEECH_QUEUE: the task queue's name and "-speech"), so speech
    never holds the workers that write the replies' text. Threads: a reply's task mostly
    waits for its next sentence."""
    queue = os.environ.get("LEGACY_CELERY_QUEUE", "legacy") + "-speech"
    threads = os.environ.get("LEGACY_SPEECH_THREADS", SPEECH_THREADS)
    return ["-m", "celery", "-A", "legacy", "worker", "-l", "INFO", "--pool", "threads",
            "--concurrency", threads, "-Q", queue, "-n", f"speech-{pid}@%h"]  # fmt: skip


class Supervisor:
    def __init__(self, host: str, port: int, *, debug: bool = False) -> None:
        self.host, self.port, self.debug = host, port, debug
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = False
        self.parent = os.getppid()
        self.demo_summary = ""  # how to sign in to the demo, when one was made on starting
        self.staff_hint = ""  # how to create the first staff account, while there is none

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("DJANGO_SETTINGS_MODULE", "legacy.settings.base")
        env["DEBUG"] = "1" if self.debug else "0"
        # Children use the servers this process holds; they neither start nor stop them.
        env["DATABASE_URL"] = os.environ.get("DATABASE_URL") or embedded.postgres_url()
        env["REDIS_URL"] = os.environ.get("REDIS_URL") or embedded.redis_url()
        return env

    def owner_url(self) -> str:
        """Migrations run as the schema's owner; the children connect as the app's role."""
        if owner := os.environ.get("DATABASE_OWNER_URL"):
            return owner
        if os.environ.get("DATABASE_URL"):
            return os.environ["DATABASE_URL"]  # migrate warns: triggers alone guard the log
        return embedded.postgres_owner_url()

    def spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        # A session of their own: a terminal Ctrl-C reaches only us, and we stop them in order.
        self.children[name] = subprocess.Popen(
            [PYTHON, *args], cwd=BASE_DIR, env=env, start_new_session=True
        )

    def start(self) -> None:
        env = self.child_env()
        print("Legacy: migrating the database…", flush=True)
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR,
            env={**env, "DATABASE_OWNER_URL": self.owner_url()}, check=True,
        )  # fmt: skip
        subprocess.run(
            [PYTHON, "manage.py", "embedding_model_prepare"], cwd=BASE_DIR, env=env, check=True
        )
        self.demo_summary = self.demo_offer(env)
        self.staff_hint = self.staff_hint_read(env)
        if self.stopping:
            return
        var = str(embedded.var_dir())
        self.spawn(
            "worker",
            ["-m", "celery", "-A", "legacy", "worker", "-l", "INFO", "--concurrency", "2",
             "-n", f"legacy-{os.getpid()}@%h"],
            env,
        )  # fmt: skip
        # The twin's replies: their own queue (settings.CELERY_REPLY_QUEUE, named alike) and
        # worker, threads (a reply mostly waits on the database and the model), so nothing
        # queued for the worker above waits in front of one.
        replies = os.environ.get("LEGACY_CELERY_REPLY_QUEUE") or (
            os.environ.get("LEGACY_CELERY_QUEUE", "legacy") + "-replies"
        )
        self.spawn(
            "replies",
            ["-m", "celery", "-A", "legacy", "worker", "-l", "INFO", "--pool", "threads",
             "--concurrency", "8", "-Q", replies, "-n", f"legacy-replies-{os.getpid()}@%h"],
            env,
        )  # fmt: skip
        self.spawn("speech", speech_worker_args(pid=os.getpid()), env)
        self.spawn(
            "beat",
            ["-m", "celery", "-A", "legacy", "beat", "-l", "INFO",
             "--schedule", os.path.join(var, "celerybeat-schedule")],
            env,
        )  # fmt: skip
        forwarded = os.environ.get("FORWARDED_ALLOW_IPS", "")
        self.spawn(
            "web",
            uvicorn_args(host=self.host, port=self.port, forwarded_allow_ips=forwarded),
            env,
        )

    def demo_offer(self, env: dict[str, str]) -> str:
        """On an empty install, offer the fictional demo (`manage.py demo_offer`: it asks
        on the terminal, or says how). Returns its sign-in lines, to repeat once serving."""
        offer = subprocess.run(
            [PYTHON, "manage.py", "demo_offer"], cwd=BASE_DIR, env=env,
            stdout=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
        if offer.returncode != 0:
            print("Legacy: the demo could not be made; see above. Serving anyway.", flush=True)
        print(offer.stdout, end="", flush=True)
        return offer.stdout.strip("\n")

    def staff_hint_read(self, env: dict[str, str]) -> str:
        """While nobody is Legacy staff, how to create the first account (`manage.py
        staff_hint`), for the start banner: staff review single-steward activations."""
        hint = subprocess.run(
            [PYTHON, "manage.py", "staff_hint"], cwd=BASE_DIR, env=env,
            stdout=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
        return hint.stdout.rstrip("\n") if hint.returncode == 0 else ""

    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def local_url(self) -> str:
        """Where this machine reaches the server (listening on every address included)."""
        if self.host in {"0.0.0.0", "::"}:
            return f"http://127.0.0.1:{self.port}"
        return self.url()

    def wait_until_healthy(self, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.stopping:
            try:
                with urllib.request.urlopen(self.local_url() + "/healthz", timeout=3) as reply:
                    if reply.status == 200:
                        return True
            except OSError:
                pass
            if self.dead_child():
                return False
            time.sleep(0.5)
        return False

    def dead_child(self) -> str | None:
        return next((n for n, p in self.children.items() if p.poll() is not None), None)

    def stop(self, *_: object) -> None:
        self.stopping = True

    def shutdown(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + CHILD_STOP_TIMEOUT_S
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        embedded.release_all()

    def run(self) -> int:
        signal.signal(signal.SIGINT, self.stop)
        signal.signal(signal.SIGTERM, self.stop)
        code = 0
        try:
            self.start()
            if self.wait_until_healthy():
                mode = " (debug pages on: for development only)" if self.debug else ""
                print(
                    f"\n  Legacy is running at {self.url()}{mode}\n  Ctrl-C stops it.\n",
                    flush=True,
                )
                if self.demo_summary:
                    print(self.demo_summary + "\n", flush=True)
                if self.staff_hint:
                    print(self.staff_hint + "\n", flush=True)
            elif not self.stopping:
                print("Legacy: not healthy yet; see the log above and /healthz.", flush=True)
            while not self.stopping:
                if name := self.dead_child():
                    print(f"Legacy: the {name} process stopped; shutting down.", flush=True)
                    code = 1
                    break
                if os.getppid() != self.parent:  # `make` was killed: do not linger
                    break
                time.sleep(0.5)
        finally:
            print("Legacy: stopping…", flush=True)
            self.shutdown()
            print("Legacy: stopped.", flush=True)
        return code


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    os.umask(embedded.PRIVATE_UMASK)  # inherited by Postgres, Redis and every child
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    return Supervisor(host, port, debug="--debug" in args).run()


if __name__ == "__main__":
    sys.exit(main())
