import contextvars
import threading

import pytest
from django.db import connection, transaction

from accounts.models import User
from core.beside import beside

marker: contextvars.ContextVar[str] = contextvars.ContextVar("marker", default="")


def _read(email: str) -> tuple[bool, str, str]:
    return (
        User.objects.filter(email=email).exists(),
        marker.get(),
        threading.current_thread().name,
    )


def _fail() -> None:
    raise LookupError("from beside")


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_reads_in_a_thread_of_its_own_with_the_callers_context():
    User.objects.create_user(email="beside@example.org")
    marker.set("the caller's")
    found, seen_marker, thread = beside(_read, email="beside@example.org").result()
    assert found and seen_marker == "the caller's"
    assert thread.startswith("beside") and thread != threading.current_thread().name
    with pytest.raises(LookupError, match="from beside"):
        beside(_fail).result()  # raised where the result is asked for


@pytest.mark.django_db
def test_inside_a_transaction_it_runs_inline_and_sees_what_is_not_committed():
    assert connection.in_atomic_block  # the test's own transaction
    with transaction.atomic():
        User.objects.create_user(email="uncommitted@example.org")
        found, _, thread = beside(_read, email="uncommitted@example.org").result()
    assert found and thread == threading.current_thread().name
    failed = beside(_fail)  # the error waits for .result(), as from a thread
    with pytest.raises(LookupError):
        failed.result()


def _wait(gate: threading.Event) -> str:
    gate.wait(timeout=10)
    return threading.current_thread().name


@pytest.mark.django_db(transaction=True)
def test_when_every_thread_is_busy_it_runs_inline_rather_than_queue():
    from core.beside import THREADS

    gate = threading.Event()
    busy = [beside(_wait, gate=gate) for _ in range(THREADS)]
    try:
        inline = beside(lambda: threading.current_thread().name).result()
        assert inline == threading.current_thread().name
    finally:
        gate.set()
    assert all(b.result().startswith("beside") for b in busy)
