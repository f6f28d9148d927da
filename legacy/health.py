"""GET /healthz: is every part Legacy needs up right now? Live checks, not config reads.

Anyone gets the verdict (200 "ok" or 503 "down"); what is down and why, the pgvector version
and the workers' names only go to staff and to this machine (loopback), since they help
whoever probes the server as much as whoever runs it.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from legacy.celery import app as celery_app

WORKER_PING_TIMEOUT_S = 1.0


def database_health() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            row = cursor.fetchone()
    except DatabaseError as error:
        return {"up": False, "error": str(error).strip()[:200]}
    if row is None:
        return {"up": False, "error": "the pgvector extension is not installed (run migrate)"}
    return {"up": True, "pgvector": row[0]}


def redis_health() -> dict[str, Any]:
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except (redis.RedisError, OSError) as error:
        return {"up": False, "error": str(error)[:200]}
    return {"up": True}


def workers_health() -> dict[str, Any]:
    try:
        replies = celery_app.control.ping(timeout=WORKER_PING_TIMEOUT_S)
    except Exception as error:
        return {"up": False, "workers": [], "error": str(error)[:200]}
    workers = sorted(name for reply in replies for name in reply)
    if not workers:
        return {"up": False, "workers": [], "error": "no Celery worker answered a ping"}
    return {"up": True, "workers": workers}


def details_allowed(request: HttpRequest) -> bool:
    """Staff, or a request from this machine. REMOTE_ADDR is the peer's address, or the
    client's as given by a proxy in FORWARDED_ALLOW_IPS (never by anyone else)."""
    if request.user.is_authenticated and request.user.is_staff:
        return True
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": database_health(),
        "redis": redis_health(),
        "celery": workers_health(),
    }
    down = [name for name, check in checks.items() if not check["up"]]
    body: dict[str, Any] = {"status": "ok" if not down else "down"}
    if details_allowed(request):
        body.update(down=down, **checks)
    return JsonResponse(body, status=200 if not down else 503)
