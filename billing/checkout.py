"""From a plan chosen on the pricing page to the payment provider's checkout and back.

`checkout_start` sends the payer to the provider's hosted checkout (Stripe) or, with the
offline `manual` provider, to a page on this server where `manual_request_record` records the
request for staff (no money moves through Legacy). The memorial's subscription is only
written here as "waiting for the first payment"; what makes it paid is the provider's webhook
(`billing.webhooks`) or staff, never the return from checkout, which anyone can open.
`checkout_state` is what the return page shows while it waits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from billing.models import Price, Subscription, SubscriptionStatus
from billing.providers import PaymentProvider, payment_provider
from billing.services import PAID_STATUSES
from core.audit import audit_record
from core.mail import mail_send_on_commit
from memorials.models import Membership, Memorial, MemorialState, Role
from memorials.naming import memorial_subject_living
from memorials.notices import site_link, staff_emails

# A subscription still going (paid, or unpaid within its grace): a new checkout would make a
# second one, so the plan is changed on the billing page instead.
LIVE_STATUSES = frozenset(
    {
        SubscriptionStatus.TRIALING,
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.PAST_DUE,
        SubscriptionStatus.UNPAID,
    }
)


class CheckoutRefused(Exception):
    """This person may not start this checkout now; `str()` says why, in plain words."""


def checkout_payer_check(*, membership: Membership) -> None:
    """Who may pay for a plan: the subject while they live; after their death a steward or a
    member of the family ("keep their memorial going"). CheckoutRefused otherwise."""
    memorial = membership.memorial
    if memorial.state == MemorialState.ERASED:
        raise CheckoutRefused("This memorial has been erased.")
    if memorial_subject_living(memorial):
        if membership.role != Role.SUBJECT:
            raise CheckoutRefused(f"{memorial.name} chooses and pays for the plan while they live.")
    elif membership.role not in (Role.STEWARD, Role.FAMILY):
        raise CheckoutRefused("A steward or a member of the family chooses the plan now.")


def price_ref(*, provider: PaymentProvider, price: Price) -> str:
    """The price's id at the provider; the offline provider has none, and uses Legacy's."""
    return str(price.pk) if provider.offline else price.provider_price_id


def checkout_price(*, price_id: int | str) -> Price:
    """A price that can be bought: active, of a public and active plan, in this server's
    currency. CheckoutRefused otherwise."""
    price = (
        Price.objects.select_related("plan")
        .filter(
            pk=price_id,
            active=True,
            currency=settings.BILLING_CURRENCY,
            plan__active=True,
        )
        .first()
        if str(price_id).isdigit()
        else None
    )
    if price is None:
        raise CheckoutRefused("That price is no longer offered; please choose again.")
    return price


class AlreadySubscribed(CheckoutRefused):
    """The memorial has a live subscription: its plan is changed on its billing page."""


def _live_refusal(sub: Subscription | None) -> None:
    if sub is not None and sub.status in LIVE_STATUSES:
        raise AlreadySubscribed(
            f"This memorial is already on {sub.plan.name}; change the plan on its billing "
            "page, and the change is prorated."
        )


def checkout_start(
    *, membership: Membership, price: Price, success_url: str, cancel_url: str
) -> str:
    """Where to send the payer to pay for `price` on `membership`'s memorial. With a paying
    provider the subscription is noted as waiting for its first payment, with this person as
    its payer. CheckoutRefused or PaymentError (both with a plain sentence)."""
    checkout_payer_check(membership=membership)
    memorial, user = membership.memorial, membership.user
    provider = payment_provider()
    existing = Subscription.objects.select_related("plan").filter(memorial=memorial).first()
    _live_refusal(existing)
    customer = (
        existing.provider_customer_id if existing and existing.provider == provider.name else ""
    )
    url = provider.checkout_url(
        memorial_id=str(memorial.pk),
        provider_price_id=price_ref(provider=provider, price=price),
        quantity=1,
        payer_email=user.email,
        customer_id=customer,
        success_url=success_url,
        cancel_url=cancel_url,
    )
    if not provider.offline:
        with transaction.atomic():
            _pending_write(memorial=memorial, price=price, payer=user, provider=provider.name)
            audit_record(
                action="billing.checkout_started",
                memorial_id=memorial.pk,
                actor=user,
                data={"plan": price.plan.name, "interval": price.interval},
            )
    return url


def _pending_write(*, memorial: Memorial, price: Price, payer: User, provider: str) -> Subscription:
    """The memorial's subscription as waiting for its first payment of `price` (made if it
    has none). A live one is left alone (CheckoutRefused)."""
    sub = (
        Subscription.objects.select_for_update()
        .select_related("plan")
        .filter(memorial=memorial)
        .first()
    )
    _live_refusal(sub)
    if sub is None:
        return Subscription.objects.create(
            memorial=memorial,
            plan=price.plan,
            price=price,
            payer=payer,
            provider=provider,
            status=SubscriptionStatus.INCOMPLETE,
        )
    sub.plan, sub.price, sub.payer, sub.provider = price.plan, price, payer, provider
    sub.status = SubscriptionStatus.INCOMPLETE
    sub.save(update_fields=["plan", "price", "payer", "provider", "status", "updated_at"])
    return sub


def manual_request_record(*, membership: Membership, price: Price) -> Subscription:
    """The offline provider's "checkout": the request is recorded on the memorial's
    subscription (waiting for the first payment), audited, and staff are told by mail so they
    can arrange payment and mark it paid in the admin. No money moves through Legacy."""
    checkout_payer_check(membership=membership)
    memorial, user = membership.memorial, membership.user
    with transaction.atomic():
        sub = _pending_write(memorial=memorial, price=price, payer=user, provider="manual")
        audit_record(
            action="billing.plan_requested",
            memorial_id=memorial.pk,
            actor=user,
            data={"plan": price.plan.name, "interval": price.interval},
        )
        admin = site_link(f"{reverse('admin:index')}billing/subscription/{sub.pk}/change/")
        mail_send_on_commit(
            to=staff_emails(),
            subject=f"A plan was requested: {price.plan.name} for memorial {memorial.pk}",
            body=(
                f"{user} asked for {price.plan.name} ({price.get_interval_display().lower()}, "
                f"{price.amount_minor / 100:.2f} {price.currency.upper()}) for a memorial.\n\n"
                "This server has no payment account: arrange the payment with them, then mark "
                f"the subscription paid in the admin:\n{admin}"
            ),
            memorial_id=memorial.pk,
            topic=f"billing.requested:{sub.pk}",
        )
    return sub


@dataclass(frozen=True)
class CheckoutState:
    """What the return page says: `confirmed` once the subscription is paid."""

    confirmed: bool
    plan_name: str
    status: str
    status_label: str


def checkout_state(*, memorial_id: uuid.UUID | str) -> CheckoutState:
    sub = Subscription.objects.select_related("plan").filter(memorial_id=memorial_id).first()
    if sub is None:
        return CheckoutState(False, "", "", "No plan chosen yet")
    return CheckoutState(
        confirmed=sub.status in PAID_STATUSES,
        plan_name=sub.plan.name,
        status=sub.status,
        status_label=str(SubscriptionStatus(sub.status).label),
    )


def portal_url(*, membership: Membership, return_url: str) -> str:
    """The provider's page where the payer changes card, sees invoices or cancels; only the
    payer of a subscription held at the provider gets one (CheckoutRefused otherwise)."""
    sub = Subscription.objects.filter(memorial=membership.memorial).first()
    provider = payment_provider()
    if sub is None or sub.provider != provider.name or not sub.provider_customer_id:
        raise CheckoutRefused("This memorial has no payment account to manage yet.")
    if sub.payer_id is not None and sub.payer_id != membership.user_id:
        raise CheckoutRefused("Only the person who pays can manage the payment.")
    if sub.payer_id is None:
        checkout_payer_check(membership=membership)
    return provider.portal_url(customer_id=sub.provider_customer_id, return_url=return_url)
