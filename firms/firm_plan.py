"""The firm's owner starts and adjusts the firm's plan from its billing page, through billing's
payment-provider interface: with a paying provider (Stripe), the provider's hosted checkout
for the firm plan's price with the seat count as its quantity; once the firm's subscription is
held there, the seat count is sent again on request. The offline `manual` provider has no
checkout: the firm asks Legacy's staff (`firms.seats.firm_seats_request`) and staff mark the
plan paid. What makes the plan paid is always the provider's webhook (or staff), never the
return from checkout (`firms.seats.firm_subscription_mirror` links the new subscription)."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from billing.checkout import LIVE_STATUSES
from billing.providers import PaymentError, payment_provider
from firms.models import Firm, FirmSubscription
from firms.seats import (
    firm_checkout_ref,
    firm_price,
    firm_seats_push,
    firm_seats_sync,
    firm_subscription_get,
    seat_clients,
)
from firms.trail import firm_audit_record


def firm_plan_live(sub: FirmSubscription) -> bool:
    """Whether the firm's plan is held at the provider and still going (no new checkout)."""
    return bool(sub.provider_subscription_id) and sub.status in LIVE_STATUSES


def firm_checkout_start(*, firm: Firm, actor: User, success_url: str, cancel_url: str) -> str:
    """Where to send the firm's owner to pay for the firm plan: the provider's hosted checkout
    for one seat per client the firm pays for now (at least one). The firm's subscription is
    noted as waiting for its first payment; audited. PaymentError (a plain sentence) with the
    offline provider, an unpriced plan, or a plan already going."""
    provider = payment_provider()
    if provider.offline:
        raise PaymentError(
            "This server takes no payments itself: ask Legacy's staff to set up the firm plan."
        )
    sub = firm_subscription_get(firm=firm)
    if firm_plan_live(sub):
        raise PaymentError(
            "The firm plan is already set up: its seats follow your clients by themselves."
        )
    price = sub.price or firm_price()
    if price is None or not price.provider_price_id:
        raise PaymentError(
            "The firm plan is not priced with the payment provider yet: Legacy's staff add its "
            "price in the admin."
        )
    seats = max(seat_clients(firm=firm).count(), 1)
    url = provider.checkout_url(
        memorial_id=firm_checkout_ref(firm=firm),
        provider_price_id=price.provider_price_id,
        quantity=seats,
        payer_email=actor.email,
        customer_id=sub.provider_customer_id if sub.provider == provider.name else "",
        success_url=success_url,
        cancel_url=cancel_url,
    )
    with transaction.atomic():
        FirmSubscription.objects.filter(pk=sub.pk).update(
            provider=provider.name, price=price, plan=price.plan
        )
        firm_audit_record(
            firm=firm,
            action="firm.billing_checkout_started",
            actor=actor,
            data={"plan": price.plan.name, "seats": seats},
        )
    return url


def firm_seats_send(*, firm: Firm, actor: User) -> FirmSubscription:
    """Bring the seats in line with the roster and send the count to the provider now (it is
    otherwise sent by a task after each change). Audited. PaymentError when the plan is not
    held at the provider, or the provider cannot be reached."""
    sub = firm_seats_sync(firm=firm, actor=actor)
    if not firm_seats_push(firm_id=firm.pk):
        raise PaymentError("The firm plan is not set up with the payment provider yet.")
    firm_audit_record(
        firm=firm, action="firm.billing_seats_sent", actor=actor, data={"seats": sub.quantity}
    )
    return FirmSubscription.objects.select_related("plan", "price").get(pk=sub.pk)
