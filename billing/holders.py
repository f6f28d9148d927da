"""What billing holds of a memorial, for the kill switch and the export (`core.holders`).

The memorial's subscription and the record of allowance notices. Erasing them first cancels
a paid subscription at the payment provider at once (no one is charged for a memorial that
no longer exists); a provider that cannot be reached does not stop the erasure, and its
answer is put on the certificate. Payment events (`WebhookEvent`) name no memorial and stay.
"""

from __future__ import annotations

import logging
import uuid

from billing.models import AllowanceNotice, Subscription, SubscriptionStatus
from billing.providers import PaymentError, payment_provider
from core.holders import DataHolder, ErasedCount, ExportWriter, holder_register

logger = logging.getLogger(__name__)


def _count(memorial_id: uuid.UUID) -> int:
    return (
        Subscription.objects.filter(memorial_id=memorial_id).count()
        + AllowanceNotice.objects.filter(memorial_id=memorial_id).count()
    )


def _remote_cancel(subscription: Subscription) -> str:
    """'cancelled', 'none' (nothing at the provider to cancel) or 'failed'."""
    if not subscription.provider_subscription_id or subscription.status == (
        SubscriptionStatus.CANCELED
    ):
        return "none"
    if subscription.provider != payment_provider().name:
        logger.error(
            "subscription %s is with %s, not the configured provider: not cancelled remotely",
            subscription.pk,
            subscription.provider,
        )
        return "failed"
    try:
        payment_provider().subscription_cancel(
            subscription_id=subscription.provider_subscription_id, at_period_end=False
        )
    except PaymentError:
        logger.exception("cancelling subscription %s at the provider failed", subscription.pk)
        return "failed"
    return "cancelled"


def _erase(memorial_id: uuid.UUID) -> int:
    outcomes = [
        _remote_cancel(subscription)
        for subscription in Subscription.objects.filter(memorial_id=memorial_id)
    ]
    notices, _ = AllowanceNotice.objects.filter(memorial_id=memorial_id).delete()
    subscriptions, _ = Subscription.objects.filter(memorial_id=memorial_id).delete()
    remote = [outcome for outcome in outcomes if outcome != "none"]
    if not remote:
        return notices + subscriptions
    return ErasedCount(
        notices + subscriptions,
        remote={
            "provider": payment_provider().name,
            "deleted": remote.count("cancelled"),
            "failed": remote.count("failed"),
        },
    )


def _export(memorial_id: uuid.UUID, writer: ExportWriter) -> None:
    subscription = (
        Subscription.objects.select_related("plan", "price").filter(memorial_id=memorial_id).first()
    )
    if subscription is None:
        return
    writer.write_json(
        "billing/subscription.json",
        {
            "plan": subscription.plan.name,
            "status": subscription.status,
            "interval": subscription.price.interval if subscription.price else None,
            "period_start": subscription.period_start.isoformat()
            if subscription.period_start
            else None,
            "period_end": subscription.period_end.isoformat() if subscription.period_end else None,
            "provider": subscription.provider,
        },
    )


def billing_holders_register() -> None:
    holder_register(
        DataHolder(
            name="billing.subscription",
            label="the memorial's plan and its payment records",
            count=_count,
            erase=_erase,
            export=_export,
            order=20,
        )
    )
