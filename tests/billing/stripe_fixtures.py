"""Fixtures for the payment-provider side's tests (import them into a test module): the seeded
plans (again after a transactional test flushed them), a memorial with its subject and a
family member, the paid plans' prices known to (the fake) Stripe, and the offline `manual`
provider chosen instead."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from billing.models import Plan, Price
from billing.providers import payment_provider
from memorials.models import Memorial, Role
from tests.billing.fake_stripe import fake_stripe  # noqa: F401  (a fixture)
from tests.memorials.factories import MembershipFactory, MemorialFactory


@pytest.fixture(autouse=True)
def plans_seeded(request: pytest.FixtureRequest) -> None:
    """The plans the data migration seeds: a transactional test flushes every table, migration
    data included, so each database test gets them again (idempotent)."""
    names = set(request.fixturenames)
    if names & {"transactional_db", "live_server"}:
        request.getfixturevalue("transactional_db")
    elif "db" in names or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
    else:
        return
    if not Plan.objects.filter(code="free").exists():
        importlib.import_module("billing.migrations.0002_seed_plans").seed(apps, None)


@pytest.fixture
def memorial() -> Memorial:
    return MemorialFactory(name="Ada Byron")


@pytest.fixture
def subject(memorial):
    return memorial.subject


@pytest.fixture
def family(memorial):
    return MembershipFactory(memorial=memorial, role=Role.FAMILY).user


@pytest.fixture
def stripe_prices(db) -> dict[str, Price]:
    """Each paid price with a Stripe price id (`price_<plan>_<interval>`), as staff set them."""
    found = {}
    for price in Price.objects.select_related("plan").filter(active=True):
        price.provider_price_id = f"price_{price.plan.code}_{price.interval}"
        price.save(update_fields=["provider_price_id"])
        found[f"{price.plan.code}_{price.interval}"] = price
    return found


@pytest.fixture
def manual(settings):  # type: ignore[no-untyped-def]
    """The offline provider (staff mark plans paid) chosen for the test."""
    settings.LEGACY_PAYMENT_PROVIDER = "manual"
    payment_provider.cache_clear()
    yield
    payment_provider.cache_clear()
