"""Billing's tests run with the real default: a memorial with no subscription is on the
free plan (the other apps' tests give it the interactive plan; legacy/settings/test.py)."""

from __future__ import annotations

import pytest

from tests.conversations.conftest import (  # noqa: F401  (fixtures for the consumer tests)
    _media_root,
    family,
    memorial,
    replies_in_threads,
)


@pytest.fixture(autouse=True)
def _free_without_subscription(settings, monkeypatch):
    settings.BILLING_PLAN_WITHOUT_SUBSCRIPTION = "free"
    monkeypatch.setenv("LEGACY_PLAN_WITHOUT_SUBSCRIPTION", "free")  # workers, servers
