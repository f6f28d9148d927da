"""Billing's daily sweep (Celery beat)."""

from __future__ import annotations

from celery import shared_task

from billing.services import subscription_grace_end, subscriptions_manual_overdue
from core.tasks import KernelTask


@shared_task(base=KernelTask)
def billing_grace_check() -> dict[str, int]:
    """Daily (Celery beat): manual subscriptions past their paid period start their grace;
    those whose grace has run out fall back to the free plan (nothing deleted)."""
    return {"overdue": subscriptions_manual_overdue(), "lapsed": subscription_grace_end()}
