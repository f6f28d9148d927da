"""The firm pays a seat per client who joined on its plan: seats follow joins and leaves,
the client's memorial gets the firm plan through billing's sponsor hook (with billing's grace
when the firm's payment fails, never a deletion), a client may pay for themselves, the seat
count reaches Stripe through the real SDK, and the billing page (power BILLING)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.entitlements import plan_effective, plan_state
from billing.models import Plan, Subscription, SubscriptionStatus
from billing.providers import PaymentUnavailable
from billing.webhooks import webhook_event_process, webhook_receive
from consent.selectors import audit_page_for
from core.models import AuditEvent, OutboundMail
from firms.models import FirmRole, FirmSeat, FirmSubscription
from firms.seats import client_firm_pays, client_pays_self, firm_seats_push, firm_seats_sync
from firms.signals import client_detached, client_joined
from firms.trail import firm_audit_events
from memorials.models import Memorial
from tests.accounts.factories import UserFactory
from tests.billing import stripe_fixtures
from tests.billing.fake_stripe import signature
from tests.firms.factories import client_make, firm_make, staff_make

fake_stripe = stripe_fixtures.fake_stripe
pytestmark = pytest.mark.django_db


def joined(firm, **fields):
    client = client_make(firm=firm, joined=True, **fields)
    client_joined.send(sender=type(client), client=client)
    return client


def firm_paying(firm, status=SubscriptionStatus.ACTIVE, **fields):
    firm_seats_sync(firm=firm)
    FirmSubscription.objects.filter(firm=firm).update(status=status, **fields)


def test_seats_follow_clients_joining_and_leaving():
    firm = firm_make()
    client_make(firm=firm)  # invited, not joined: no seat
    ada, bo = joined(firm), joined(firm)
    sub = FirmSubscription.objects.get(firm=firm)
    assert sub.quantity == 2 and sub.plan.code == "firm-client"
    assert FirmSeat.objects.filter(firm=firm, ended_at__isnull=True).count() == 2

    ada.detached_at = timezone.now()
    ada.save(update_fields=["detached_at"])
    client_detached.send(sender=type(ada), client=ada, reason="client_left")

    sub.refresh_from_db()
    assert sub.quantity == 1
    assert FirmSeat.objects.get(client=ada).ended_at is not None
    assert FirmSeat.objects.get(client=bo).ended_at is None
    changes = firm_audit_events(firm=firm).filter(action="firm.billing_seats_changed")
    assert [e.data["seats"] for e in changes] == [1, 2, 1]
    # syncing again changes nothing
    firm_seats_sync(firm=firm)
    assert firm_audit_events(firm=firm).filter(action="firm.billing_seats_changed").count() == 3
    assert FirmSeat.objects.filter(firm=firm).count() == 2


def test_a_seat_gives_the_clients_memorial_the_firm_plan_once_the_firm_pays():
    firm = firm_make()
    ada = joined(firm)
    # waiting for the firm's first payment: not the firm plan yet
    assert plan_effective(ada.memorial_id).code != "firm-client"
    FirmSubscription.objects.filter(firm=firm).update(status=SubscriptionStatus.ACTIVE)
    assert plan_effective(ada.memorial_id).code == "firm-client"
    # an invited client's memorial, or another firm's, gets nothing from it
    other = client_make(firm=firm_make(), joined=True)
    assert plan_effective(other.memorial_id).code != "firm-client"


def test_a_failed_firm_payment_holds_the_plan_through_the_grace_and_deletes_nothing():
    firm = firm_make()
    ada = joined(firm)
    firm_paying(firm, SubscriptionStatus.PAST_DUE, period_end=timezone.now() - timedelta(days=3))
    state = plan_state(ada.memorial_id)
    assert state.in_grace and plan_effective(ada.memorial_id).code == "firm-client"
    # the grace runs out: back to what the memorial has of its own, all of it kept
    firm_paying(firm, SubscriptionStatus.PAST_DUE, period_end=timezone.now() - timedelta(days=40))
    assert plan_effective(ada.memorial_id).code != "firm-client"
    assert Memorial.objects.filter(pk=ada.memorial_id).exists()


def test_a_client_may_pay_for_themselves_and_the_seat_is_released():
    firm = firm_make()
    ada = joined(firm)
    firm_paying(firm)
    client_pays_self(client=ada, actor=ada.user)
    ada.refresh_from_db()
    assert not ada.paid_by_firm
    assert FirmSubscription.objects.get(firm=firm).quantity == 0
    assert FirmSeat.objects.get(client=ada).ended_at is not None
    assert plan_effective(ada.memorial_id).code != "firm-client"
    # their own subscription, as any subject's, is what counts
    Subscription.objects.create(
        memorial=ada.memorial,
        plan=Plan.objects.get(code="preserve"),
        status=SubscriptionStatus.ACTIVE,
        provider="manual",
    )
    assert plan_effective(ada.memorial_id).code == "preserve"
    # the change is in the firm's trail and in the client's own memorial log
    assert firm_audit_events(firm=firm).filter(action="firm.billing_seat_released").exists()
    _, entries = audit_page_for(memorial_id=ada.memorial_id)
    assert "The client pays for their own memorial now" in [e.what for e in entries]
    # the firm may take the seat again: a new seat period
    client_firm_pays(client=ada, actor=None)
    assert FirmSubscription.objects.get(firm=firm).quantity == 1
    assert FirmSeat.objects.filter(client=ada).count() == 2


def test_the_seat_count_reaches_stripe(fake_stripe, django_capture_on_commit_callbacks):
    firm = firm_make()
    made = fake_stripe.subscription_make(memorial_id="", price_id="price_firm-client_month")
    firm_seats_sync(firm=firm)
    FirmSubscription.objects.filter(firm=firm).update(
        provider="stripe",
        provider_subscription_id=made["id"],
        provider_customer_id=made["customer"],
        status=SubscriptionStatus.ACTIVE,
    )
    sub = FirmSubscription.objects.select_related("price").get(firm=firm)
    sub.price.provider_price_id = "price_firm-client_month"
    sub.price.save(update_fields=["provider_price_id"])
    # a client joins: the push to Stripe is queued after commit
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ada = client_make(firm=firm, joined=True)
        firm_seats_sync(firm=firm)
    assert len(callbacks) == 1
    assert firm_seats_push(firm_id=firm.pk)
    (update,) = fake_stripe.seen("POST", f"^/v1/subscriptions/{made['id']}$")
    assert update.fields["items"][0]["quantity"] == "1"
    assert fake_stripe.subscriptions[made["id"]]["items"]["data"][0]["quantity"] == 1
    assert ada.paid_by_firm
    # Stripe down: worth trying again (the task retries on this)
    fake_stripe.fail_next(500, times=3)
    with pytest.raises(PaymentUnavailable):
        firm_seats_push(firm_id=firm.pk)


def test_the_billing_page_shows_seats_price_and_provider(
    client, django_capture_on_commit_callbacks
):
    firm = firm_make()
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    joined(firm), joined(firm)
    client.force_login(owner.user)
    page = client.get(reverse("firms:billing", kwargs={"slug": firm.slug}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "data-seats>2<" in html and "a seat a month" in html
    assert "Legacy&#x27;s staff mark a plan paid" in html or "staff mark a plan paid" in html
    # the manual provider's request: audited, Legacy's staff told
    UserFactory(is_staff=True, email="staff@legacy.example")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("firms:billing_request", kwargs={"slug": firm.slug}))
    assert response.status_code == 302
    assert firm_audit_events(firm=firm).filter(action="firm.billing_plan_requested").exists()
    assert OutboundMail.objects.filter(topic=f"firm.billing.requested:{firm.pk}").count() == 1


def test_billing_is_not_found_for_an_assistant_or_a_stranger(client):
    firm = firm_make()
    for user in (staff_make(firm=firm, role=FirmRole.ASSISTANT).user, UserFactory()):
        client.force_login(user)
        for name in ("billing", "statement", "statement_csv"):
            assert (
                client.get(reverse(f"firms:{name}", kwargs={"slug": firm.slug})).status_code == 404
            )
        assert (
            client.post(reverse("firms:billing_request", kwargs={"slug": firm.slug})).status_code
            == 404
        )
    assert not AuditEvent.objects.filter(action="firm.billing_plan_requested").exists()


def test_the_portal_opens_stripes_page_for_the_firms_customer(fake_stripe, client):
    firm = firm_make()
    advisor = staff_make(firm=firm, role=FirmRole.ADVISOR)
    made = fake_stripe.subscription_make(memorial_id="", price_id="price_firm-client_month")
    firm_seats_sync(firm=firm)
    FirmSubscription.objects.filter(firm=firm).update(
        provider="stripe",
        provider_customer_id=made["customer"],
        provider_subscription_id=made["id"],
    )
    client.force_login(advisor.user)
    page = client.get(reverse("firms:billing", kwargs={"slug": firm.slug})).content.decode()
    assert "Change payment details" in page
    response = client.post(reverse("firms:billing_portal", kwargs={"slug": firm.slug}))
    assert response.status_code == 302
    assert response["Location"] == f"{fake_stripe.url}/portal/{made['customer']}"
    assert firm_audit_events(firm=firm).filter(action="firm.billing_portal_opened").exists()


def test_stripes_word_on_the_firms_subscription_reaches_the_firm(
    fake_stripe, django_capture_on_commit_callbacks
):
    firm = firm_make(name="Hart & Vale")
    staff_make(firm=firm, role=FirmRole.OWNER)
    staff_make(firm=firm, role=FirmRole.ADVISOR)  # not told: owners are
    ada = joined(firm)
    made = fake_stripe.subscription_make(
        memorial_id="", price_id="price_firm-client_month", status="past_due"
    )
    FirmSubscription.objects.filter(firm=firm).update(
        provider="stripe", provider_subscription_id=made["id"], status=SubscriptionStatus.ACTIVE
    )
    payload = fake_stripe.event(
        "invoice.payment_failed", {"id": "in_1", "subscription": made["id"]}
    )
    with django_capture_on_commit_callbacks(execute=False):
        row, created = webhook_receive(payload=payload, signature=signature(payload))
    assert created and webhook_event_process(event_pk=row.pk)
    sub = FirmSubscription.objects.get(firm=firm)
    assert sub.status == SubscriptionStatus.PAST_DUE
    assert sub.provider_customer_id == made["customer"] and sub.period_end is not None
    # the firm's, not a memorial's: billing made no subscription of its own for it
    assert not Subscription.objects.filter(provider_subscription_id=made["id"]).exists()
    # the clients keep the firm plan through the grace; the owner is told, and it is audited
    assert plan_state(ada.memorial_id).in_grace
    assert plan_effective(ada.memorial_id).code == "firm-client"
    told = OutboundMail.objects.filter(topic=f"firm.billing.grace:{firm.pk}")
    assert told.count() == 1  # to the one owner
    changed = firm_audit_events(firm=firm).get(action="firm.billing_status_changed")
    assert changed.data["status"] == "Payment overdue"


def test_a_client_whose_own_plan_is_paid_frees_the_firms_seat():
    firm = firm_make()
    ada, bo = joined(firm), joined(firm)
    firm_paying(firm)
    own = Subscription.objects.create(
        memorial=ada.memorial,
        plan=Plan.objects.get(code="preserve"),
        status=SubscriptionStatus.INCOMPLETE,
        payer=ada.user,
        provider="manual",
    )
    ada.refresh_from_db()
    assert ada.paid_by_firm  # not paid yet: the firm's seat stays
    own.status = SubscriptionStatus.ACTIVE
    own.save()
    ada.refresh_from_db()
    bo.refresh_from_db()
    assert not ada.paid_by_firm and bo.paid_by_firm
    assert FirmSubscription.objects.get(firm=firm).quantity == 1
    released = firm_audit_events(firm=firm).get(action="firm.billing_seat_released")
    assert released.actor_ref == str(ada.user.pk)
