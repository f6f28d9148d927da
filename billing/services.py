"""Changes to a memorial's subscription: its status as the payment provider reports it, the
grace after a failed payment and the fall back to the free plan, who pays, plan changes, and
what staff do by hand. Each change is in the memorial's audit log, in words
(`consent.selectors.AUDIT_ACTIONS`), and the people it concerns are told by mail.

Money never deletes anything: a lapse only changes which plan's allowances are in effect
(`billing.entitlements.plan_effective`).

The entry point for the payment provider's webhooks is

    subscription_status_apply(subscription, remote_status, *, period_start=None,
                              period_end=None, cancel_at_period_end=None, price=None,
                              quantity=None, actor=None, now=None) -> Subscription

`remote_status` is the provider's current status of the subscription (Stripe's names:
trialing, active, past_due, canceled, unpaid, incomplete; incomplete_expired is read as
canceled). Pass the object's current state, not what an event implies: applying the same
state twice changes nothing, so events replayed or out of order are harmless. The keyword
arguments given (not None) are mirrored too; `price` also sets the subscription's plan.
A status that becomes past_due or unpaid starts the grace period (LEGACY_BILLING_GRACE_DAYS)
once and tells the payer and the stewards, with a way for anyone in the family to pick up
the payment; one that becomes active or trialing ends any grace or lapse.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing.models import FREE_PLAN, Plan, Price, Subscription, SubscriptionStatus
from billing.providers import PaymentError, payment_provider
from billing.selectors import subscription_payer
from core.audit import audit_record
from core.mail import mail_send_on_commit
from memorials.models import Membership, Memorial, Role
from memorials.naming import memorial_place, memorial_subject_living
from memorials.notices import site_link, staff_emails, steward_emails

GRACE_STATUSES = frozenset({SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID})
PAID_STATUSES = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING})
_REMOTE_ALIASES = {"incomplete_expired": SubscriptionStatus.CANCELED}


class PayerRefused(ValueError):
    """This person may not take over the payment now; the text says why, in plain words."""


def grace_days() -> int:
    return int(settings.BILLING_GRACE_DAYS)


def _billing_url(memorial_id: uuid.UUID | str) -> str:
    return site_link(reverse("billing:memorial", kwargs={"memorial_id": memorial_id}))


def _emails(memberships: Iterable[Membership]) -> list[str]:
    return [m.user.email for m in memberships if m.user.email]


def _audit(
    action: str, *, subscription: Subscription, actor: User | None = None, **data: object
) -> None:
    audit_record(
        action=f"billing.{action}",
        memorial_id=subscription.memorial_id,
        actor=actor,
        data={"plan": subscription.plan.name, **data},
    )


def _status(remote_status: str) -> str:
    status = _REMOTE_ALIASES.get(remote_status, remote_status)
    return SubscriptionStatus(status).value  # ValueError for a status we do not know


def subscription_status_apply(
    subscription: Subscription,
    remote_status: str,
    *,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
    cancel_at_period_end: bool | None = None,
    price: Price | None = None,
    quantity: int | None = None,
    actor: User | None = None,
    now: datetime | None = None,
) -> Subscription:
    """Mirror the provider's current state of `subscription` (see the module's docstring).
    Locks the row; returns it as saved."""
    now = now or timezone.now()
    status = _status(remote_status)
    with transaction.atomic():
        sub = (
            Subscription.objects.select_for_update()
            .select_related("plan", "memorial")
            .get(pk=subscription.pk)
        )
        before_status, before_plan = sub.status, sub.plan
        if period_start is not None:
            sub.period_start = period_start
        if period_end is not None:
            sub.period_end = period_end
        if cancel_at_period_end is not None:
            sub.cancel_at_period_end = cancel_at_period_end
        if quantity is not None:
            sub.quantity = quantity
        if price is not None:
            sub.price, sub.plan = price, price.plan
        sub.status = status
        if status in GRACE_STATUSES and sub.grace_until is None:
            sub.grace_until = now + timedelta(days=grace_days())
            _audit("payment_failed", subscription=sub, until=sub.grace_until.date())
            _grace_notices(sub)
        elif status in PAID_STATUSES:
            if before_status in GRACE_STATUSES or sub.lapsed_at is not None:
                _audit("payment_received", subscription=sub, actor=actor)
            sub.grace_until, sub.lapsed_at = None, None
        sub.save()
        if sub.plan_id != before_plan.pk:
            _audit("plan_changed", subscription=sub, actor=actor, previous_plan=before_plan.name)
        if status != before_status:
            _audit(
                "status_changed",
                subscription=sub,
                actor=actor,
                status=str(SubscriptionStatus(status).label),
            )
    subscription.refresh_from_db()
    return subscription


def _grace_notices(sub: Subscription) -> None:
    """Gentle mail to the payer and the stewards: the payment did not go through, nothing is
    lost, and anyone in the family can pick it up until the grace ends."""
    memorial = sub.memorial
    payer = subscription_payer(sub)
    to = [payer.email] if payer is not None else []
    until = timezone.localdate(sub.grace_until) if sub.grace_until else None
    mail_send_on_commit(
        to=[*to, *steward_emails(memorial=memorial)],
        subject=f"A payment for {memorial_place(memorial)} did not go through",
        body=(
            f"The last payment for {memorial.name}'s memorial ({sub.plan.name}) did not go "
            f"through. Nothing has changed yet and nothing will be deleted.\n\n"
            f"Until {until:%-d %B %Y} everything stays as it is. After that, if it is still "
            f"unpaid, the memorial keeps all its writing, its portrait and its archive, and "
            f"conversations with the twin pause until someone picks up the payment.\n\n"
            f"Anyone in the family can keep the memorial going here: {_billing_url(memorial.id)}"
        ),
        memorial_id=memorial.id,
        topic=f"billing.grace:{sub.pk}",
    )
    if sub.provider == "manual":  # no provider will collect it: staff arrange the payment
        _staff_told(
            subscription=sub,
            subject=f"A plan paid by hand is overdue: {sub.plan.name}",
            body=(
                f"The paid period of a memorial's plan ({sub.plan.name}) has ended. The payer"
                f"{f' ({payer})' if payer else ''} and the stewards were told gently; the plan "
                f"holds until {until:%-d %B %Y}. Arrange the payment with them, then mark it "
                f"paid in the admin:\n{_admin_url(sub)}"
            ),
        )


def subscription_grace_end(*, now: datetime | None = None) -> int:
    """Every subscription whose grace after a failed payment has run out falls back to the
    free plan's allowances (once each): its data is all kept, conversations pause with an
    explanation, and the payer, the stewards and the family are told. Returns how many."""
    now = now or timezone.now()
    ended = 0
    due = Subscription.objects.filter(
        status__in=GRACE_STATUSES, grace_until__lte=now, lapsed_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in due:
        with transaction.atomic():
            sub = (
                Subscription.objects.select_for_update()
                .select_related("plan", "memorial")
                .filter(pk=pk, status__in=GRACE_STATUSES, lapsed_at__isnull=True)
                .first()
            )
            if sub is None:
                continue
            sub.lapsed_at = now
            sub.save(update_fields=["lapsed_at", "updated_at"])
            _audit("lapsed", subscription=sub)
            members = Membership.objects.filter(memorial=sub.memorial).select_related("user")
            memorial = sub.memorial
            mail_send_on_commit(
                to=_emails(members),
                subject=f"{memorial_place(memorial)} is on the free plan for now",
                body=(
                    f"The payment for {memorial.name}'s memorial ({sub.plan.name}) is still "
                    f"outstanding, so the memorial is on the free plan for now.\n\n"
                    f"Nothing has been deleted. The writing, the portrait and the archive stay "
                    f"readable and can be exported. Conversations with the twin are paused, "
                    f"and start again as soon as the payment is picked up.\n\n"
                    f"Anyone in the family can do that here: {_billing_url(memorial.id)}"
                ),
                memorial_id=memorial.id,
                topic=f"billing.lapsed:{sub.pk}",
            )
            ended += 1
    return ended


def subscriptions_manual_overdue(*, now: datetime | None = None) -> int:
    """Manual subscriptions (paid by hand, no provider to tell us) whose paid period has
    ended become past due: their grace starts, as a failed card's would. One the payer
    cancelled at the end of its period ends instead (the free plan, nothing deleted, no
    "payment did not go through" notice). Returns how many became past due."""
    now = now or timezone.now()
    ended = Subscription.objects.filter(
        provider="manual", status__in=PAID_STATUSES, period_end__lt=now
    ).select_related("plan")
    count = 0
    for subscription in ended:
        if subscription.cancel_at_period_end:
            subscription_status_apply(subscription, SubscriptionStatus.CANCELED, now=now)
            continue
        subscription_status_apply(subscription, SubscriptionStatus.PAST_DUE, now=now)
        count += 1
    return count


def payer_take_over_allowed(*, role: str, memorial: Memorial, status: str) -> bool:
    """The rule of `subscription_payer_take_over`: a steward or family member, after the
    subject's death or while a payment is overdue (the page offers it by this too)."""
    if role not in (Role.STEWARD, Role.FAMILY):
        return False
    return status in GRACE_STATUSES or not memorial_subject_living(memorial)


def subscription_payer_take_over(*, memorial: Memorial, user: User) -> Subscription:
    """`user` (a steward or family member) becomes the payer of `memorial`'s subscription
    ("keep their memorial going"). While the subject lives only they pay (PayerRefused); after
    their death, or while a payment is overdue, a steward or family member may. Everyone
    else in the memorial is told by mail; the change is audited."""
    membership = Membership.objects.filter(memorial=memorial, user=user).first()
    if membership is None or membership.role not in (Role.STEWARD, Role.FAMILY):
        raise PayerRefused("Only a steward or a member of the family can take over the payment.")
    with transaction.atomic():
        sub = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("plan", "memorial", "payer")
            .filter(memorial=memorial)
            .first()
        )
        if sub is None:
            raise PayerRefused("This memorial has no subscription to take over yet.")
        if not payer_take_over_allowed(role=membership.role, memorial=memorial, status=sub.status):
            raise PayerRefused(f"{memorial.name} pays for their own memorial while they live.")
        if sub.payer_id == user.pk:
            return sub
        sub.payer = user
        sub.save(update_fields=["payer", "updated_at"])
        _audit("payer_changed", subscription=sub, actor=user)
        others = (
            Membership.objects.filter(memorial=memorial).exclude(user=user).select_related("user")
        )
        mail_send_on_commit(
            to=_emails(others),
            subject=f"{user} is keeping {memorial_place(memorial)} going",
            body=(
                f"{user} now pays for {memorial.name}'s memorial ({sub.plan.name}). "
                f"Nothing else changes for you.\n\nThe plan and what it includes: "
                f"{_billing_url(memorial.id)}"
            ),
            memorial_id=memorial.id,
            topic=f"billing.payer:{sub.pk}",
        )
        if sub.provider == "manual":  # staff arrange payments by hand: tell them whom with
            _staff_told(
                subscription=sub,
                subject=f"A new payer for a plan paid by hand: {sub.plan.name}",
                body=(
                    f"{user} ({user.email}) now pays for a memorial's plan ({sub.plan.name}). "
                    f"Arrange the next payment with them:\n{_admin_url(sub)}"
                ),
            )
    return sub


def subscription_mark_paid(
    *, subscription: Subscription, actor: User, period_days: int = 365
) -> Subscription:
    """Staff record a payment made outside Legacy (the `manual` provider): the subscription
    is active for `period_days` from now, or from the end of its paid period if later, on
    the larger plan the payer asked for if there is one (`subscription_plan_request`)."""
    now = timezone.now()
    start = max(now, subscription.period_end or now)
    subscription_status_apply(
        subscription,
        SubscriptionStatus.ACTIVE,
        period_start=subscription.period_start or now,
        period_end=start + timedelta(days=period_days),
        price=subscription.requested_price,
        actor=actor,
    )
    if subscription.requested_price_id is not None:  # the larger plan asked for, now paid
        Subscription.objects.filter(pk=subscription.pk).update(
            requested_price=None, requested_at=None
        )
        subscription.refresh_from_db()
    _audit("marked_paid", subscription=subscription, actor=actor, days=period_days)
    return subscription


def subscription_extend(*, subscription: Subscription, actor: User, days: int) -> Subscription:
    """Staff extend the paid period (a goodwill gesture, a late bank transfer) by `days`."""
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
        sub.period_end = (sub.period_end or timezone.now()) + timedelta(days=days)
        if sub.grace_until is not None:
            sub.grace_until = sub.grace_until + timedelta(days=days)
        sub.save(update_fields=["period_end", "grace_until", "updated_at"])
        _audit("extended", subscription=sub, actor=actor, days=days)
    subscription.refresh_from_db()
    return subscription


def subscription_refund(*, subscription: Subscription, actor: User) -> None:
    """Staff refund the last payment through the provider, when it offers refunds
    (`refund_last(subscription_id=...)`); PaymentError when it does not."""
    provider = payment_provider()
    refund = getattr(provider, "refund_last", None)
    if refund is None:
        raise PaymentError(
            f"{provider.label}: refunds are made outside Legacy; record it here afterwards."
        )
    refund(subscription_id=subscription.provider_subscription_id)
    _audit("refunded", subscription=subscription, actor=actor)


def subscription_refund_record(*, subscription: Subscription, actor: User) -> None:
    """Staff record a refund they made outside Legacy (a bank transfer back, under the manual
    provider): nothing is sent anywhere, the memorial's audit log says it happened."""
    _audit("refund_recorded", subscription=subscription, actor=actor)


class PlanChangeOutcome(StrEnum):
    APPLIED = "applied"  # in effect now
    REQUESTED = "requested"  # waiting for staff to arrange the payment (manual provider)


def plan_change_price(*, subscription: Subscription, plan: Plan) -> Price:
    """The price of `plan` a change moves to: its active one in this server's currency, at
    the subscription's interval (yearly if it has none). PaymentError when there is none."""
    price = (
        Price.objects.select_related("plan")
        .filter(plan=plan, active=True, currency=settings.BILLING_CURRENCY)
        .filter(interval=subscription.price.interval if subscription.price else "year")
        .first()
    )
    if price is None:
        raise PaymentError(f"{plan.name} has no price to move to.")
    return price


def plan_change_needs_payment(*, subscription: Subscription, price: Price) -> bool:
    """Whether moving to `price` costs more than the subscription pays now (an upgrade)."""
    paying = subscription.price.amount_minor if subscription.price else 0
    return price.amount_minor > paying


def subscription_plan_change(
    *, subscription: Subscription, plan: Plan, actor: User
) -> PlanChangeOutcome:
    """Move a live subscription to `plan`; nothing is deleted either way (what pauses is
    shown first: `billing.overview.plan_change_preview`).

    - Held at a payment provider (Stripe): changed there at once, prorated by the provider,
      and mirrored here. APPLIED.
    - The offline `manual` provider: a move down takes effect at once (nothing more to pay;
      staff are told, to settle any refund); a move up costs money, so it is only recorded
      as a request and staff are told: the plan changes when they have arranged the payment
      and apply it in the admin (`subscription_plan_request_apply`). REQUESTED.

    PaymentError when the provider cannot, or the subscription is not live."""
    if subscription.status not in PAID_STATUSES | GRACE_STATUSES:
        raise PaymentError("This plan is not paid yet: choose a plan on the pricing page.")
    price = plan_change_price(subscription=subscription, plan=plan)
    if subscription.provider_subscription_id:
        remote = payment_provider().subscription_change(
            subscription_id=subscription.provider_subscription_id,
            provider_price_id=price.provider_price_id,
            quantity=subscription.quantity,
        )
        subscription_status_apply(
            subscription,
            remote.status,
            period_start=remote.period_start,
            period_end=remote.period_end,
            price=price,
            actor=actor,
        )
        return PlanChangeOutcome.APPLIED
    if subscription.provider != "manual":
        raise PaymentError("The payment for this plan is not set up yet; please try later.")
    if plan_change_needs_payment(subscription=subscription, price=price):
        subscription_plan_request(subscription=subscription, price=price, actor=actor)
        return PlanChangeOutcome.REQUESTED
    previous = subscription.plan.name
    with transaction.atomic():
        subscription_status_apply(subscription, subscription.status, price=price, actor=actor)
        Subscription.objects.filter(pk=subscription.pk).update(
            requested_price=None, requested_at=None
        )
        _staff_told(
            subscription=subscription,
            subject=f"A plan was lowered: {previous} to {plan.name}",
            body=(
                f"{actor} moved a memorial from {previous} to {plan.name}; it took effect at "
                f"once. If they paid ahead for {previous}, settle the difference with them "
                f"and record any refund in the admin:\n{_admin_url(subscription)}"
            ),
        )
    subscription.refresh_from_db()
    return PlanChangeOutcome.APPLIED


def _admin_url(subscription: Subscription) -> str:
    return site_link(
        reverse("admin:billing_subscription_change", kwargs={"object_id": subscription.pk})
    )


def _staff_told(*, subscription: Subscription, subject: str, body: str) -> None:
    mail_send_on_commit(
        to=staff_emails(),
        subject=f"{subject} (memorial {subscription.memorial_id})",
        body=body,
        memorial_id=subscription.memorial_id,
        topic=f"billing.staff:{subscription.pk}",
    )


def subscription_plan_request(
    *, subscription: Subscription, price: Price, actor: User
) -> Subscription:
    """The payer asks for a larger plan under the offline `manual` provider: recorded on the
    subscription (`requested_price`), audited, and staff told by mail with a link to it in
    the admin. The plan in effect does not change until staff apply it."""
    with transaction.atomic():
        sub = (
            Subscription.objects.select_for_update().select_related("plan").get(pk=subscription.pk)
        )
        sub.requested_price, sub.requested_at = price, timezone.now()
        sub.save(update_fields=["requested_price", "requested_at", "updated_at"])
        _audit(
            "plan_change_requested",
            subscription=sub,
            actor=actor,
            requested_plan=price.plan.name,
            interval=price.interval,
        )
        _staff_told(
            subscription=sub,
            subject=f"A larger plan was requested: {sub.plan.name} to {price.plan.name}",
            body=(
                f"{actor} asked to move a memorial from {sub.plan.name} to {price.plan.name} "
                f"({price.get_interval_display().lower()}, {price.amount_minor / 100:.2f} "
                f"{price.currency.upper()}).\n\nThis server has no payment account: arrange "
                f"the payment (or the difference) with them, then apply the plan in the "
                f'admin ("Apply the requested plan"):\n{_admin_url(sub)}'
            ),
        )
    subscription.refresh_from_db()
    return subscription


def subscription_plan_request_apply(*, subscription: Subscription, actor: User) -> bool:
    """Staff apply the larger plan the payer asked for, once its payment is arranged: the
    plan changes at once (the paid period is unchanged), audited. False when nothing was
    requested."""
    with transaction.atomic():
        sub = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("requested_price__plan")
            .get(pk=subscription.pk)
        )
        price = sub.requested_price
        if price is None:
            return False
        status = (
            sub.status
            if sub.status in PAID_STATUSES | GRACE_STATUSES
            else SubscriptionStatus.ACTIVE
        )
        subscription_status_apply(sub, status, price=price, actor=actor)
        Subscription.objects.filter(pk=sub.pk).update(requested_price=None, requested_at=None)
    subscription.refresh_from_db()
    return True


def subscription_cancel(*, subscription: Subscription, actor: User) -> Subscription:
    """Cancel at the end of the paid period; then the memorial is on the free plan, with all
    its data kept."""
    if subscription.provider_subscription_id:
        remote = payment_provider().subscription_cancel(
            subscription_id=subscription.provider_subscription_id, at_period_end=True
        )
        status, at_end = remote.status, remote.cancel_at_period_end
    else:
        status, at_end = subscription.status, True
    subscription_status_apply(subscription, status, cancel_at_period_end=at_end, actor=actor)
    _audit("cancel_requested", subscription=subscription, actor=actor)
    return subscription


def plan_free() -> Plan:
    return Plan.objects.get(code=FREE_PLAN)


def subscription_complimentary(*, memorial: Memorial, plan_code: str) -> Subscription:
    """A plan given, not sold (the fictional demo): active with no paid period, so it never
    falls due; the `manual` provider's, and audited like any other."""
    plan = Plan.objects.get(code=plan_code)
    sub, created = Subscription.objects.get_or_create(
        memorial=memorial,
        defaults={"plan": plan, "status": SubscriptionStatus.ACTIVE, "provider": "manual"},
    )
    if created:
        _audit("status_changed", subscription=sub, status=str(SubscriptionStatus.ACTIVE.label))
    return sub
