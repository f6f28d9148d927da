"""Plans as the data migration seeds them, and subscriptions for the tests."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.utils import timezone

from billing.models import Plan, PlanAllowance, Price, Subscription, SubscriptionStatus


def plans_install() -> None:
    """The seeded plans. Transactional tests flush every table afterwards, migration data
    included, so every database test gets them again (idempotent)."""
    if Plan.objects.filter(code="free").exists():
        return
    migration = importlib.import_module("billing.migrations.0002_seed_plans")
    migration.seed(apps, None)


def plan_with(code: str, **quotas: int | None) -> Plan:
    """A plan of its own with these quotas (kinds not given: not included), priced yearly."""
    plan = Plan.objects.create(code=code, name=code.title(), position=50)
    for kind, quota in quotas.items():
        PlanAllowance.objects.create(plan=plan, kind=kind, quota=quota)
    Price.objects.create(plan=plan, interval="year", amount_minor=1000, currency="usd")
    return plan


def subscribe(memorial: Any, plan: Plan | str, **fields: Any) -> Subscription:
    plan = plan if isinstance(plan, Plan) else Plan.objects.get(code=plan)
    now = timezone.now()
    defaults: dict[str, Any] = {
        "plan": plan,
        "price": plan.prices.first(),
        "status": SubscriptionStatus.ACTIVE,
        "provider": "manual",
        "period_start": now,
        "period_end": now + timedelta(days=365),
    }
    return Subscription.objects.create(memorial=memorial, **{**defaults, **fields})
