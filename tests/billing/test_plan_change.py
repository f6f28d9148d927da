"""Changing the plan of a paid memorial: through Stripe at once (prorated there); with the
offline `manual` provider a larger plan is only asked for (staff arrange the payment and
apply it in the admin), a smaller one takes effect at once; pages speak to whoever reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.entitlements import plan_effective
from billing.models import Plan, Subscription
from billing.services import (
    PlanChangeOutcome,
    subscription_plan_change,
    subscription_status_apply,
    subscriptions_manual_overdue,
)
from core.audit import audit_events_for
from memorials.models import Role
from memorials.services import memorial_activated_after_death
from tests.accounts.factories import UserFactory
from tests.billing import stripe_fixtures as fixtures
from tests.billing.factories import subscribe
from tests.memorials.factories import MembershipFactory, MemorialFactory

# the fixtures this module uses
fake_stripe = fixtures.fake_stripe
plans_seeded = fixtures.plans_seeded
stripe_prices = fixtures.stripe_prices

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, is_superuser=True, email="staff@legacy.test")


@pytest.fixture
def preserved():
    memorial = MemorialFactory(name="Ann Smith")
    subscribe(memorial, "preserve", payer=memorial.subject)
    return memorial


def _actions(memorial) -> list[str]:
    return [event.action for event in audit_events_for(memorial_id=memorial.id)]


def test_a_manual_upgrade_is_asked_for_and_nothing_changes_until_staff_apply_it(
    client, preserved, staff, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(preserved.subject)
    url = reverse("billing:plan_change", args=[preserved.id, "interactive"])

    page = client.get(url).content.decode()
    assert "This server has no payment account, so no money moves through Legacy" in page
    assert "Ask for Interactive" in page and "Move to Interactive now" not in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)

    sub = Subscription.objects.get(memorial=preserved)
    assert sub.plan.code == "preserve"  # not paid yet: the plan in effect is unchanged
    assert sub.requested_price is not None and sub.requested_price.plan.code == "interactive"
    assert "with Legacy&#x27;s staff" in response.content.decode()
    billing = client.get(reverse("billing:memorial", args=[preserved.id])).content.decode()
    assert "asked for Interactive" in billing and "Until then Preserve stays as it is" in billing
    assert "billing.plan_change_requested" in _actions(preserved)
    (told,) = mailoutbox
    assert told.to == ["staff@legacy.test"]
    assert "Apply the requested plan" in told.body

    # when: staff have arranged the payment and apply it in the admin
    client.force_login(staff)
    client.post(
        reverse("admin:billing_subscription_changelist"),
        {"action": "apply_requested_plan", "_selected_action": [sub.pk]},
    )

    sub.refresh_from_db()
    assert sub.plan.code == "interactive" and sub.requested_price is None
    assert "billing.plan_changed" in _actions(preserved)


def test_marking_paid_applies_the_larger_plan_asked_for(client, preserved, staff):
    sub = Subscription.objects.get(memorial=preserved)
    assert (
        subscription_plan_change(
            subscription=sub,
            plan=Plan.objects.get(code="interactive"),
            actor=preserved.subject,
        )
        == PlanChangeOutcome.REQUESTED
    )
    client.force_login(staff)

    client.post(
        reverse("admin:billing_subscription_changelist"),
        {"action": "mark_paid_year", "_selected_action": [sub.pk]},
    )

    sub.refresh_from_db()
    assert sub.plan.code == "interactive" and sub.requested_price is None
    assert sub.status == "active"


def test_a_manual_downgrade_takes_effect_at_once_and_staff_are_told(
    client, staff, mailoutbox, django_capture_on_commit_callbacks
):
    memorial = MemorialFactory(name="Ann Smith")
    subscribe(memorial, "interactive", payer=memorial.subject)
    client.force_login(memorial.subject)
    url = reverse("billing:plan_change", args=[memorial.id, "preserve"])
    page = client.get(url).content.decode()
    assert "What becomes smaller or pauses" in page and "Move to Preserve now" in page
    assert "Legacy's staff are told, and settle" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)

    sub = Subscription.objects.get(memorial=memorial)
    assert sub.plan.code == "preserve" and sub.requested_price is None
    assert [mail.to for mail in mailoutbox] == [["staff@legacy.test"]]
    assert "A plan was lowered: Interactive to Preserve" in mailoutbox[0].subject


def test_a_plan_waiting_for_its_first_payment_is_not_changed_here(client, preserved):
    Subscription.objects.filter(memorial=preserved).update(status="incomplete")
    client.force_login(preserved.subject)
    url = reverse("billing:plan_change", args=[preserved.id, "interactive"])

    assert "on the pricing page" in client.get(url).content.decode()
    client.post(url)

    sub = Subscription.objects.get(memorial=preserved)
    assert sub.plan.code == "preserve" and sub.requested_price is None


def test_a_stripe_upgrade_takes_effect_at_once_prorated_by_stripe(
    client, fake_stripe, stripe_prices
):
    memorial = MemorialFactory(name="Ann Smith")
    remote = fake_stripe.subscription_make(
        memorial_id=str(memorial.id), price_id="price_preserve_year"
    )
    subscribe(
        memorial,
        "preserve",
        payer=memorial.subject,
        provider="stripe",
        price=stripe_prices["preserve_year"],
        provider_subscription_id=remote["id"],
        provider_customer_id=remote["customer"],
    )
    client.force_login(memorial.subject)
    url = reverse("billing:plan_change", args=[memorial.id, "interactive"])
    assert "charges only the difference" in client.get(url).content.decode()

    client.post(url)

    sub = Subscription.objects.get(memorial=memorial)
    assert sub.plan.code == "interactive" and sub.requested_price is None
    (update,) = fake_stripe.seen("POST", f"^/v1/subscriptions/{remote['id']}$")
    assert update.fields["proration_behavior"] == "create_prorations"


def test_the_plan_card_speaks_to_whoever_reads_it(client, preserved):
    family = MembershipFactory(memorial=preserved, role=Role.FAMILY).user
    detail = reverse("memorials:detail", args=[preserved.id])

    client.force_login(preserved.subject)
    mine = client.get(detail).content.decode()
    client.force_login(family)
    theirs = client.get(detail).content.decode()

    assert "The subject" not in mine and "The subject" not in theirs
    assert "Your own messages to your twin" in mine and "Your writing kept" in mine
    assert "Messages from your family" in mine
    assert "Ann Smith&#x27;s own messages to the twin" in theirs
    assert "Messages from the family, yours included" in theirs


def test_after_death_the_payer_from_the_family_reads_their_own_words(client, preserved):
    steward = MembershipFactory(memorial=preserved, role=Role.STEWARD).user
    memorial_activated_after_death(memorial=preserved)
    client.force_login(steward)
    client.post(reverse("billing:take_over", args=[preserved.id]))

    page = client.get(reverse("billing:memorial", args=[preserved.id])).content.decode()
    change = client.get(reverse("billing:plan_change", args=[preserved.id, "free"]))

    assert "paid by you" in page and "Ann Smith&#x27;s writing kept" in page
    assert "Your own" not in change.content.decode()
    assert "Ann Smith&#x27;s writing kept: 2,000 MB → 200 MB" in change.content.decode()
    assert "own messages to the twin" not in page + change.content.decode()  # after death


def test_a_manual_plan_overdue_tells_staff_and_the_payer_how_to_pay(
    client, preserved, staff, mailoutbox, django_capture_on_commit_callbacks
):
    sub = Subscription.objects.get(memorial=preserved)
    Subscription.objects.filter(pk=sub.pk).update(period_end=timezone.now() - timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert subscriptions_manual_overdue() == 1

    assert sorted(address for mail in mailoutbox for address in mail.to) == sorted(
        [preserved.subject.email, "staff@legacy.test"]
    )
    client.force_login(preserved.subject)
    page = client.get(reverse("billing:memorial", args=[preserved.id])).content.decode()
    assert "Your\n" in page and "last payment did not go through" in page
    assert "Legacy's staff have been told, and will arrange the payment" in page
    assert "Next payment" not in page  # overdue: the payment is due now
    card = client.get(reverse("memorials:detail", args=[preserved.id])).content.decode()
    assert "last payment did not go through" in card


def test_in_grace_the_family_reads_that_they_can_pick_up_the_payment(client, preserved):
    family = MembershipFactory(memorial=preserved, role=Role.FAMILY).user
    subscription_status_apply(Subscription.objects.get(memorial=preserved), "past_due")
    client.force_login(family)

    card = client.get(reverse("memorials:detail", args=[preserved.id])).content.decode()
    page = client.get(reverse("billing:memorial", args=[preserved.id])).content.decode()

    assert "anyone in the family, you too, can pick up the payment" in card
    assert "Pick up the payment" in card
    assert "Keep Ann Smith" in page  # the take-over button, while the payment is overdue


def test_a_manual_plan_cancelled_ends_with_its_period_and_no_payment_notice(
    client, preserved, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(preserved.subject)
    client.post(reverse("billing:cancel", args=[preserved.id]))
    sub = Subscription.objects.get(memorial=preserved)
    assert sub.cancel_at_period_end and sub.status == "active"
    Subscription.objects.filter(pk=sub.pk).update(period_end=timezone.now() - timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert subscriptions_manual_overdue() == 0

    sub.refresh_from_db()
    assert sub.status == "canceled" and sub.grace_until is None
    assert mailoutbox == []
    assert plan_effective(preserved.id).code == "free"
