"""The firm's seats: it pays one seat on the firm plan ("Firm client", per seat) for each
client who joined, is paid for by the firm (`FirmClient.paid_by_firm`) and has not left.

`firm_seats_sync` counts them, opens and closes each client's `FirmSeat` (the statement's
seat days) and sets `FirmSubscription.quantity`; when the subscription is held at the payment
provider, `firms.tasks.firm_seats_push_task` then sends the new quantity there (retried while
the provider cannot be reached). The receivers of `client_joined` and `client_detached`
(`firms.seat_receivers`) call it. A client's memorial gets its plan from the firm through
billing's sponsor hook (`firm_sponsorship`): money never deletes anything, and a failed firm
payment only starts billing's grace.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing.models import Plan, Price, PriceInterval, SubscriptionStatus
from billing.providers import PaymentError, RemoteSubscription, payment_provider
from billing.sponsors import Sponsorship
from core.mail import mail_send_on_commit
from core.queries import compiled_row
from firms.models import Firm, FirmClient, FirmRole, FirmSeat, FirmSubscription
from firms.trail import firm_audit_record
from memorials.notices import staff_emails

logger = logging.getLogger(__name__)

FIRM_PLAN = "firm-client"
PAID = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING})
GRACE = frozenset({SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID})
PUSH_TASK = "firms.tasks.firm_seats_push_task"
# What a firm's checkout puts where the provider keeps a memorial's id (its metadata): the
# webhooks then find the firm's subscription, never a memorial's.
CHECKOUT_REF_PREFIX = "firm:"


def firm_checkout_ref(*, firm: Firm) -> str:
    return f"{CHECKOUT_REF_PREFIX}{firm.pk}"


def _checkout_ref_firm_id(ref: str) -> uuid.UUID | None:
    """The firm named by a checkout reference, None for anything else (a memorial's id)."""
    if not ref.startswith(CHECKOUT_REF_PREFIX):
        return None
    try:
        return uuid.UUID(ref.removeprefix(CHECKOUT_REF_PREFIX))
    except ValueError:
        return None


class SeatRefused(ValueError):
    """The change cannot be made; `str()` says why in plain words."""


def seat_clients(*, firm: Firm | uuid.UUID | str) -> Any:
    """The firm's clients who hold a seat now (a queryset)."""
    firm_id = firm.pk if isinstance(firm, Firm) else firm
    return FirmClient.objects.filter(
        firm_id=firm_id,
        paid_by_firm=True,
        detached_at__isnull=True,
        memorial__isnull=False,
    )


def firm_price(*, interval: str = PriceInterval.MONTH) -> Price | None:
    """The firm plan's active price per seat in this server's currency."""
    return (
        Price.objects.select_related("plan")
        .filter(
            plan__code=FIRM_PLAN,
            active=True,
            interval=interval,
            currency=settings.BILLING_CURRENCY,
        )
        .first()
    )


def firm_subscription_get(*, firm: Firm) -> FirmSubscription:
    """The firm's one subscription, made (waiting for the first payment, with no seats) the
    first time it is asked for, under the payment provider in use."""
    sub = FirmSubscription.objects.select_related("plan", "price").filter(firm=firm).first()
    if sub is not None:
        return sub
    price = firm_price()
    sub, _ = FirmSubscription.objects.get_or_create(
        firm=firm,
        defaults={
            "plan": price.plan if price else Plan.objects.get(code=FIRM_PLAN),
            "price": price,
            "provider": payment_provider().name,
        },
    )
    return sub


def firm_seats_sync(*, firm: Firm, actor: User | None = None) -> FirmSubscription:
    """Bring the firm's seats in line with its roster: a seat opened for each client who
    holds one and has none open, closed for each who no longer does, and the subscription's
    quantity set to the count. Audited when the count changes; the provider is told after
    commit when it holds the subscription. Safe to call twice."""
    now = timezone.now()
    with transaction.atomic():
        firm_subscription_get(firm=firm)
        sub = FirmSubscription.objects.select_for_update().get(firm=firm)
        holding = set(seat_clients(firm=firm).values_list("pk", flat=True))
        open_seats = dict(
            FirmSeat.objects.filter(firm=firm, ended_at__isnull=True).values_list("client_id", "pk")
        )
        FirmSeat.objects.filter(
            pk__in=[pk for cid, pk in open_seats.items() if cid not in holding]
        ).update(ended_at=now)
        FirmSeat.objects.bulk_create(
            FirmSeat(firm=firm, client_id=cid, started_at=now)
            for cid in holding
            if cid not in open_seats
        )
        before = sub.quantity
        if before != len(holding):
            sub.quantity = len(holding)
            sub.save(update_fields=["quantity", "updated_at"])
            firm_audit_record(
                firm=firm,
                action="firm.billing_seats_changed",
                actor=actor,
                data={"seats": sub.quantity, "previous_seats": before},
            )
            if sub.provider_subscription_id:
                transaction.on_commit(_push_later(firm_id=firm.pk))
    return sub


def _push_later(*, firm_id: uuid.UUID) -> Any:
    def push() -> None:
        from firms.tasks import firm_seats_push_task

        firm_seats_push_task.apply_async(kwargs={"firm_id": str(firm_id)})

    return push


def firm_seats_push(*, firm_id: uuid.UUID | str) -> bool:
    """Send the subscription's seat count to the provider and mirror what it answers
    (status, period). False when there is nothing held there to change. PaymentUnavailable
    (retried by the task) when it cannot be reached."""
    sub = FirmSubscription.objects.select_related("price").filter(firm_id=firm_id).first()
    if sub is None or not sub.provider_subscription_id or sub.price is None:
        return False
    remote = payment_provider().subscription_change(
        subscription_id=sub.provider_subscription_id,
        provider_price_id=sub.price.provider_price_id,
        quantity=sub.quantity,
    )
    FirmSubscription.objects.filter(pk=sub.pk).update(
        status=remote.status,
        period_start=remote.period_start or sub.period_start,
        period_end=remote.period_end or sub.period_end,
        updated_at=timezone.now(),
    )
    return True


def client_pays_self(*, client: FirmClient, actor: User | None) -> FirmClient:
    """The client pays for their own memorial from now on (their own subscription, as any
    subject's): the firm's seat is released at once. Audited; nothing else changes."""
    return _paid_by_firm_set(client=client, actor=actor, paid=False)


def client_firm_pays(*, client: FirmClient, actor: User | None) -> FirmClient:
    """The firm takes the client's seat again (from now on)."""
    return _paid_by_firm_set(client=client, actor=actor, paid=True)


def _paid_by_firm_set(*, client: FirmClient, actor: User | None, paid: bool) -> FirmClient:
    if client.detached_at is not None:
        raise SeatRefused(f"{client.name} has left the firm.")
    if client.paid_by_firm == paid:
        return client
    with transaction.atomic():
        client.paid_by_firm = paid
        client.save(update_fields=["paid_by_firm"])
        firm_audit_record(
            firm=client.firm,
            action="firm.billing_seat_taken" if paid else "firm.billing_seat_released",
            actor=actor,
            client=client,
        )
        firm_seats_sync(firm=client.firm, actor=actor)
    return client


def grace_until(sub: FirmSubscription) -> datetime | None:
    """How long the firm's plan holds after a failed payment: billing's grace, from the end
    of the paid period (or the last change, with no period)."""
    start = sub.period_end or sub.updated_at
    return start + timedelta(days=int(settings.BILLING_GRACE_DAYS)) if start else None


_FIRM_PAYING = (
    "firm__name",
    "firm__subscription__plan_id",
    "firm__subscription__status",
    "firm__subscription__period_end",
    "firm__subscription__updated_at",
)


def _firm_paying(memorial_id: uuid.UUID) -> QuerySet[Any]:
    """The memorial's seat paid by an open firm with a subscription: read beside every reply
    (the plan's allowance), so compiled once (`core.queries`)."""
    return (
        FirmClient.objects.filter(memorial_id=memorial_id)
        .filter(paid_by_firm=True, detached_at__isnull=True, firm__closed_at__isnull=True)
        .filter(~Q(firm__subscription=None))
        .order_by("pk")
        .values_list(*_FIRM_PAYING)[:1]
    )


def firm_sponsorship(memorial_id: uuid.UUID | str) -> Sponsorship | None:
    """Billing's sponsor lookup (one query): the firm plan, when the memorial's subject is a
    client on a seat of an open firm that has a subscription."""
    found = compiled_row(_firm_paying, (uuid.UUID(int=0),), [memorial_id])
    if found is None:
        return None
    row = dict(zip(_FIRM_PAYING, found, strict=True))
    status = row["firm__subscription__status"]
    until = None
    if status in GRACE:
        start = row["firm__subscription__period_end"] or row["firm__subscription__updated_at"]
        until = start + timedelta(days=int(settings.BILLING_GRACE_DAYS))
    return Sponsorship(
        plan_id=row["firm__subscription__plan_id"],
        status=status,
        grace_until=until,
        sponsor_name=row["firm__name"],
        pay_self_url=reverse("firms:client_pay_self", kwargs={"memorial_id": memorial_id}),
    )


def firm_seats_request(*, firm: Firm, actor: User) -> FirmSubscription:
    """The offline provider's way to start paying: the request is audited and Legacy's staff
    are told by mail, to arrange payment and mark the firm's subscription paid in the admin."""
    provider = payment_provider()
    if not provider.offline:
        raise PaymentError("Payments go through the payment provider on this server.")
    sub = firm_subscription_get(firm=firm)
    with transaction.atomic():
        firm_audit_record(
            firm=firm,
            action="firm.billing_plan_requested",
            actor=actor,
            data={"plan": sub.plan.name, "seats": sub.quantity},
        )
        mail_send_on_commit(
            to=staff_emails(),
            subject=f"A firm asked for its plan: {firm.name}",
            body=(
                f"{actor} asked for {sub.plan.name} for {firm.name} ({sub.quantity} seats now)."
                "\n\nThis server has no payment account: arrange the payment with the firm, "
                "then mark its subscription active in the admin (Firm subscriptions)."
            ),
            memorial_id=firm.pk,
            topic=f"firm.billing.requested:{firm.pk}",
        )
    return sub


def firm_portal_url(*, firm: Firm, actor: User, return_url: str) -> str:
    """The provider's page where the firm changes its payment details (audited). PaymentError
    when the firm has no payment account there (or the provider has no portal)."""
    provider = payment_provider()
    sub = firm_subscription_get(firm=firm)
    if provider.offline or sub.provider != provider.name or not sub.provider_customer_id:
        raise PaymentError("The firm has no payment account to manage yet.")
    url = provider.portal_url(customer_id=sub.provider_customer_id, return_url=return_url)
    firm_audit_record(firm=firm, action="firm.billing_portal_opened", actor=actor)
    return url


def firm_subscription_mirror(remote: RemoteSubscription) -> bool:
    """Billing's sponsor mirror: when `remote` is a firm's subscription at the provider,
    mirror its status, period and customer (True); otherwise leave it to billing (False).
    A payment that fails starts billing's grace for the firm's clients (`firm_sponsorship`)
    and the firm's owners are told; nothing is ever deleted."""
    firm_id = _checkout_ref_firm_id(remote.memorial_id)
    with transaction.atomic():
        sub = (
            FirmSubscription.objects.select_for_update()
            .select_related("firm")
            .filter(provider_subscription_id=remote.id)
            .first()
        )
        if sub is None and firm_id is not None:
            sub = _checkout_linked(remote=remote, firm_id=firm_id)
            if sub is None:  # a firm's reference, but no such firm: not billing's either
                logger.warning("subscription %s names no firm Legacy knows", remote.id)
                return True
        if sub is None:
            return False
        before = sub.status
        status = "canceled" if remote.status == "incomplete_expired" else remote.status
        sub.status = SubscriptionStatus(status).value
        sub.period_start = remote.period_start or sub.period_start
        sub.period_end = remote.period_end or sub.period_end
        sub.provider_customer_id = remote.customer_id or sub.provider_customer_id
        sub.save()
        if sub.status != before:
            firm_audit_record(
                firm=sub.firm,
                action="firm.billing_status_changed",
                actor=None,
                data={"status": str(SubscriptionStatus(sub.status).label)},
            )
            if sub.status in GRACE and before not in GRACE:
                _grace_notice(sub)
    return True


def _checkout_linked(*, remote: RemoteSubscription, firm_id: uuid.UUID) -> FirmSubscription | None:
    """The firm's subscription, now held at the provider as `remote` (made by the firm's
    checkout). When the provider holds another seat count than the roster's, the roster's
    count is sent after commit."""
    sub = (
        FirmSubscription.objects.select_for_update()
        .select_related("firm")
        .filter(firm_id=firm_id)
        .first()
    )
    if sub is None:
        return None
    sub.provider_subscription_id = remote.id
    sub.provider = payment_provider().name
    sub.save(update_fields=["provider_subscription_id", "provider", "updated_at"])
    firm_audit_record(
        firm=sub.firm,
        action="firm.billing_plan_started",
        actor=None,
        data={"seats": remote.quantity},
    )
    if remote.quantity != sub.quantity:
        transaction.on_commit(_push_later(firm_id=sub.firm_id))
    return sub


def _grace_notice(sub: FirmSubscription) -> None:
    firm = sub.firm
    owners = firm.staff.filter(role=FirmRole.OWNER, removed_at__isnull=True).select_related("user")
    until = grace_until(sub)
    mail_send_on_commit(
        to=[owner.user.email for owner in owners if owner.user.email],
        subject=f"A payment for {firm.name}'s client seats did not go through",
        body=(
            f"The last payment for {firm.name}'s plan ({sub.plan.name}, {sub.quantity} seats) "
            "did not go through. Your clients' memorials keep their plan"
            f"{f' until {until:%-d %B %Y}' if until else ''}, and nothing is ever deleted "
            "because of a payment: after that they keep everything and pause only what the "
            "free plan does not include.\n\nPlease update the firm's payment details on its "
            "billing page."
        ),
        memorial_id=firm.pk,
        topic=f"firm.billing.grace:{firm.pk}",
    )
