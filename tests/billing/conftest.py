"""Fixtures for the billing tests: a memorial with its subject, and the paid plans' prices
known to (the fake) Stripe."""

from __future__ import annotations

import pytest

from billing.models import Price
from memorials.models import Memorial, Role
from tests.billing.fake_stripe import fake_stripe  # noqa: F401  (a fixture)
from tests.memorials.factories import MembershipFactory, MemorialFactory


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
