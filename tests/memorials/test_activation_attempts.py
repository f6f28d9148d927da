"""Wrong activation keys are counted atomically: parallel attempts take turns on the key's
row, so never more keys are compared than the limit allows."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection

from memorials.activation import keys
from memorials.activation.keys import activation_key_issue
from memorials.activation.requests import activation_start
from memorials.activation.rules import ActivationError
from memorials.models import ActivationKey, ActivationRequest, Role
from tests.memorials.conftest import certificate_upload
from tests.memorials.factories import MembershipFactory, MemorialFactory

ATTEMPTS = 20


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_keys_are_never_checked_more_often_than_the_limit(monkeypatch):
    # given a steward with a key, and a spy on every key comparison
    memorial = MemorialFactory()
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD).user
    activation_key_issue(memorial=memorial, steward=steward)
    hashed, lock = [], threading.Lock()
    real_hash = keys.activation_key_hash

    def spy(key: str) -> str:
        with lock:
            hashed.append(key)
        return real_hash(key)

    monkeypatch.setattr(keys, "activation_key_hash", spy)
    start, refusals = threading.Barrier(ATTEMPTS), []

    def attempt(number: int) -> None:
        try:
            start.wait(10)
            activation_start(
                memorial=memorial, steward=steward, key=f"WRONG-{number:05d}",
                certificate=certificate_upload(),
            )  # fmt: skip
        except ActivationError as error:
            with lock:
                refusals.append(str(error))
        finally:
            connection.close()

    # when twenty wrong keys arrive at once
    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # then only as many were compared as the limit allows, and all of those were counted
    limit = settings.ACTIVATION_KEY_MAX_ATTEMPTS
    assert len(refusals) == ATTEMPTS
    assert len(hashed) == limit
    assert ActivationKey.objects.get(steward=steward).failed_attempts == limit
    assert sum("not your activation key" in refusal for refusal in refusals) == limit
    assert sum("Too many wrong keys" in refusal for refusal in refusals) == ATTEMPTS - limit
    assert not ActivationRequest.objects.exists()
