"""Running a read beside the caller, in a thread of its own with its own database
connection, so two independent reads of one unit of work (the reply's retrieval and the
visitor's memories) wait on the database at the same time instead of one after the other.

`beside(fn, **kwargs)` returns a `Beside`; `.result()` gives fn's value or raises its
exception. The caller's context goes with it (e.g. the ciphers `core.crypto.ciphers_reused`
holds). It runs inline instead, at once, when the caller is inside a transaction: a second
connection would not see what that transaction has not committed (the test suite's own
transactions, or a caller's writes), so reading beside it could read something else; and
when every thread is busy (many replies at once), rather than queue behind the others."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from django.db import DatabaseError, connection, transaction

T = TypeVar("T")

THREADS = 2  # per process: a worker's replies share them
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_free = threading.BoundedSemaphore(THREADS)  # threads not running anything now


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:  # made in the process that uses it (after a worker's fork)
            _pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="beside")
        return _pool


class Beside(Generic[T]):
    """fn's outcome: from the thread it runs in, or already known (run inline)."""

    def __init__(
        self,
        future: Future[T] | None = None,
        *,
        value: T | None = None,
        error: Exception | None = None,
    ) -> None:
        self._future, self._value, self._error = future, value, error

    def result(self) -> T:
        if self._future is not None:
            return self._future.result()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


def _run(context: contextvars.Context, fn: Callable[..., T], kwargs: dict[str, Any]) -> T:
    try:
        return context.run(fn, **kwargs)
    except DatabaseError:
        connection.close()  # this thread's connection may be broken: the next run reconnects
        raise
    finally:
        if connection.in_atomic_block:  # never leave a transaction open on the thread
            connection.close()
        _free.release()


def beside(fn: Callable[..., T], /, **kwargs: Any) -> Beside[T]:
    """Start `fn(**kwargs)` beside the caller (see the module's docstring)."""
    if transaction.get_connection().in_atomic_block or not _free.acquire(blocking=False):
        try:
            return Beside(value=fn(**kwargs))
        except Exception as error:  # raised by .result(), as from a thread
            return Beside(error=error)
    future = _executor().submit(_run, contextvars.copy_context(), fn, kwargs)
    return Beside(future)
