"""The billing page, the page that says what a change of plan pauses, the plan card on the
memorial page, taking over the payment from the page, and the admin's staff actions."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse

from billing import views
from billing.models import Subscription, SubscriptionStatus
from billing.services import subscription_status_apply
from core.audit import audit_events_for
from memorials.models import Role
from memorials.services import memorial_activated_after_death
from tests.accounts.factories import UserFactory
from tests.billing.factories import subscribe
from tests.memorials.factories import MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def provider(monkeypatch):
    fake = SimpleNamespace(
        label="Manual payments, recorded by staff", invoices=lambda customer_id, limit=12: []
    )
    monkeypatch.setattr(views, "payment_provider", lambda: fake)
    return fake


@pytest.fixture
def memorial():
    memorial = MemorialFactory(name="Ann Smith")
    subscribe(memorial, "preserve", provider_customer_id="cus_1")
    return memorial


def test_the_payer_sees_the_plan_its_use_and_which_provider_is_in_use(client, memorial):
    client.force_login(memorial.subject)

    page = client.get(reverse("billing:memorial", args=[memorial.id])).content.decode()

    assert "Preserve" in page and "paid by you" in page
    assert 'data-meter="family_messages"' in page and "0 of 1,000 this month" in page
    assert "Payment provider: Manual payments, recorded by staff" in page
    assert "Cancel the plan" in page and "Invoices and receipts" in page


def test_a_stranger_gets_not_found(client, memorial):
    client.force_login(UserFactory())

    assert client.get(reverse("billing:memorial", args=[memorial.id])).status_code == 404


def test_a_downgrade_says_exactly_what_will_pause_before_it_happens(client, memorial):
    client.force_login(memorial.subject)

    page = client.get(reverse("billing:plan_change", args=[memorial.id, "free"])).content
    page = page.decode()

    assert (
        "Messages from your family: 1,000 → 0 a month. Paused: the family&#x27;s "
        "conversations with the twin."
    ) in page
    assert "Family members: 10 → 2" in page
    assert "Nothing is deleted" in page
    assert Subscription.objects.get(memorial=memorial).plan.code == "preserve"  # nothing yet


def test_the_memorial_page_shows_the_plan_with_meters(client, memorial):
    client.force_login(memorial.subject)

    page = client.get(reverse("memorials:detail", args=[memorial.id])).content.decode()

    assert "Plan: Preserve" in page and "<meter" in page


def test_a_family_member_keeps_the_memorial_going_from_the_page(client, memorial, mailoutbox):
    family = MembershipFactory(memorial=memorial, role=Role.FAMILY).user
    memorial_activated_after_death(memorial=memorial)
    client.force_login(family)
    url = reverse("billing:memorial", args=[memorial.id])
    assert "Keep Ann Smith's memorial going" in client.get(url).content.decode()

    response = client.post(reverse("billing:take_over", args=[memorial.id]))

    assert response.status_code == 302
    assert Subscription.objects.get(memorial=memorial).payer == family


def test_staff_mark_a_manual_subscription_paid_in_the_admin(client, memorial):
    sub = Subscription.objects.get(memorial=memorial)
    subscription_status_apply(sub, "past_due")
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)

    client.post(
        reverse("admin:billing_subscription_changelist"),
        {"action": "mark_paid_year", "_selected_action": [sub.pk]},
    )

    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.ACTIVE and sub.grace_until is None
    assert client.get(reverse("admin:billing_plan_changelist")).status_code == 200


def test_staff_record_a_refund_made_outside_legacy_in_the_audit_log(client, memorial):
    sub = Subscription.objects.get(memorial=memorial)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)

    client.post(
        reverse("admin:billing_subscription_changelist"),
        {"action": "record_outside_refund", "_selected_action": [sub.pk]},
    )

    (event,) = [
        e
        for e in audit_events_for(memorial_id=memorial.pk)
        if e.action == "billing.refund_recorded"
    ]
    assert event.actor_ref == str(staff.pk)
