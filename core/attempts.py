"""Counting attempts at something guessable (a password, a code), atomically.

A reservation is taken before the guess is checked, so parallel requests cannot all read the
same count and all be checked: `cache.add` and `cache.incr` are single operations on Redis
and on LocMemCache, and exactly `limit` reservations succeed per window, however many
requests arrive at once. The window starts with the first attempt and is not extended by
later ones.
"""

from __future__ import annotations

from django.core.cache import cache


def attempt_reserve(*, key: str, limit: int, window_s: int) -> bool:
    """Take one of the `limit` attempts allowed under `key` in this window; False when none
    is left (the caller must then refuse without checking anything)."""
    if limit < 1:
        return False
    for _ in range(3):  # a window ending between add and incr makes another round
        if cache.add(key, 1, timeout=window_s):
            return True
        try:
            taken = cache.incr(key)
        except ValueError:  # expired between add and incr: this attempt may open the next
            continue
        if taken == 1:
            # Redis' INCR made the key afresh (it expired between Django's EXISTS and INCR),
            # without a timeout: give it one, or it would count for ever.
            cache.touch(key, timeout=window_s)
        return taken <= limit
    return False


def attempts_clear(*, key: str) -> None:
    """Forget the attempts under `key` (after one succeeded)."""
    cache.delete(key)
