"""Attempt counting: exactly `limit` reservations per window, even when asked all at once."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.core.cache import cache, caches

from core import attempts
from core.attempts import attempt_reserve, attempts_clear


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_the_limit_is_reserved_then_refused_until_cleared():
    taken = [attempt_reserve(key="k", limit=3, window_s=60) for _ in range(5)]
    assert taken == [True, True, True, False, False]
    assert attempt_reserve(key="another", limit=3, window_s=60)  # keys count apart
    attempts_clear(key="k")
    assert attempt_reserve(key="k", limit=3, window_s=60)


def test_no_limit_reserves_nothing():
    assert not attempt_reserve(key="k", limit=0, window_s=60)


@pytest.fixture(params=["locmem", "redis"])
def shared_cache(request, settings, monkeypatch):
    """The test cache (LocMemCache), or the real Redis the app runs on."""
    if request.param == "redis":
        settings.CACHES = {
            **settings.CACHES,
            "redis": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": settings.REDIS_URL,
                "KEY_PREFIX": "test-attempts",
            },
        }
        monkeypatch.setattr(attempts, "cache", caches["redis"])
    attempts.cache.delete("parallel")
    yield attempts.cache
    attempts.cache.delete("parallel")


def test_parallel_reservations_take_exactly_the_limit(shared_cache):
    # given 40 callers released at the same moment
    start = Barrier(40)

    def reserve(_: int) -> bool:
        start.wait()
        return attempt_reserve(key="parallel", limit=5, window_s=60)

    # when they all reserve
    with ThreadPoolExecutor(max_workers=40) as pool:
        taken = list(pool.map(reserve, range(40)))
    # then exactly five got one
    assert taken.count(True) == 5


def test_the_window_has_a_timeout_on_redis(settings, monkeypatch):
    settings.CACHES = {
        **settings.CACHES,
        "redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "test-attempts",
        },
    }
    redis_cache = caches["redis"]
    monkeypatch.setattr(attempts, "cache", redis_cache)
    redis_cache.delete("windowed")
    for _ in range(2):
        attempt_reserve(key="windowed", limit=5, window_s=60)
    client = redis_cache._cache.get_client()
    assert 0 < client.ttl(redis_cache.make_key("windowed")) <= 60
    redis_cache.delete("windowed")
