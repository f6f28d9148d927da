"""The firm's owner starts and adjusts the firm plan from its billing page through the payment
provider (Stripe's hosted checkout with the seat count as its quantity, through the real SDK
against the fake; the offline provider says so and has no checkout), and a client takes over
paying for their own memorial from their own plan page: told what changes, audited, the firm
told, and the firm's seat released only once their own payment goes through."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing.entitlements import plan_effective
from billing.models import Price, Subscription, SubscriptionStatus
from billing.webhooks import webhook_event_process, webhook_receive
from core.audit import audit_events_for
from core.models import OutboundMail
from firms.models import FirmClient, FirmRole, FirmSubscription
from firms.seats import firm_seats_sync
from firms.signals import client_joined
from firms.trail import firm_audit_events
from memorials.models import Role
from tests.billing import stripe_fixtures
from tests.billing.fake_stripe import signature
from tests.firms.factories import client_make, firm_make, staff_make
from tests.memorials.factories import MembershipFactory

fake_stripe = stripe_fixtures.fake_stripe
manual = stripe_fixtures.manual
plans_seeded = stripe_fixtures.plans_seeded
stripe_prices = stripe_fixtures.stripe_prices
pytestmark = pytest.mark.django_db


def joined(firm):
    client = client_make(firm=firm, joined=True)
    client_joined.send(sender=type(client), client=client)
    return client


def billing_url(firm, name="billing"):
    return reverse(f"firms:{name}", kwargs={"slug": firm.slug})


def deliver(fake, kind, obj):
    payload = fake.event(kind, obj)
    row, created = webhook_receive(payload=payload, signature=signature(payload))
    assert created and webhook_event_process(event_pk=row.pk)


def test_the_owner_starts_the_firm_plan_at_stripe_with_the_seat_count(
    client, fake_stripe, stripe_prices, django_capture_on_commit_callbacks
):
    # given a firm with two clients on seats, and its owner on the billing page
    firm = firm_make()
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    ada, _ = joined(firm), joined(firm)
    client.force_login(owner.user)
    page = client.get(billing_url(firm)).content.decode()
    assert "Start the firm plan with 2 seats" in page and "Go to payment" in page
    # when they go to payment
    response = client.post(billing_url(firm, "billing_checkout"))
    # then: Stripe's hosted checkout, for the firm plan's price, one per seat, naming the firm
    (session,) = fake_stripe.sessions.values()
    assert response.status_code == 302 and response["Location"] == session["url"]
    assert session["line_items"] == [{"price": "price_firm-client_month", "quantity": "2"}]
    assert session["metadata"] == {"memorial_id": f"firm:{firm.pk}"}
    assert session["success_url"].endswith(billing_url(firm) + "?checkout=done")
    assert firm_audit_events(firm=firm).filter(action="firm.billing_checkout_started").exists()
    # nothing is paid by coming back
    assert client.get(billing_url(firm) + "?checkout=done").status_code == 200
    assert FirmSubscription.objects.get(firm=firm).status == SubscriptionStatus.INCOMPLETE
    # when the owner pays and Stripe says so
    fake_stripe.pay(session["id"])
    (made,) = fake_stripe.subscriptions.values()
    with django_capture_on_commit_callbacks(execute=False):
        deliver(fake_stripe, "customer.subscription.created", made)
    # then the firm's subscription is the one at Stripe, paid, and the clients have its plan
    sub = FirmSubscription.objects.get(firm=firm)
    assert sub.provider_subscription_id == made["id"] and sub.status == SubscriptionStatus.ACTIVE
    assert sub.provider_customer_id == made["customer"]
    assert not Subscription.objects.filter(provider_subscription_id=made["id"]).exists()
    assert plan_effective(ada.memorial_id).code == "firm-client"
    assert firm_audit_events(firm=firm).filter(action="firm.billing_plan_started").exists()
    # and a second checkout is refused: the seats follow the roster from now on
    page = client.get(billing_url(firm)).content.decode()
    assert "Go to payment" not in page and "Send the seat count (2) now" in page
    client.post(billing_url(firm, "billing_checkout"))
    assert len(fake_stripe.sessions) == 1
    # when a third client joins and the owner sends the count now
    joined(firm)
    response = client.post(billing_url(firm, "billing_seats"), follow=True)
    assert "now has 3 seats" in response.content.decode()
    assert fake_stripe.subscriptions[made["id"]]["items"]["data"][0]["quantity"] == 3
    assert firm_audit_events(firm=firm).filter(action="firm.billing_seats_sent").exists()


def test_the_offline_provider_is_labelled_and_has_no_checkout(client, manual):
    firm = firm_make()
    owner = staff_make(firm=firm, role=FirmRole.OWNER)
    joined(firm)
    client.force_login(owner.user)
    page = client.get(billing_url(firm)).content.decode()
    assert "No payment account" in page and "Ask Legacy to set up the firm plan" in page
    assert "Go to payment" not in page
    response = client.post(billing_url(firm, "billing_checkout"), follow=True)
    assert "ask Legacy&#x27;s staff" in response.content.decode()
    assert not firm_audit_events(firm=firm).filter(action="firm.billing_checkout_started").exists()


def test_a_client_takes_over_paying_for_themselves(
    client, manual, django_capture_on_commit_callbacks
):
    # given a client on the firm's seat
    firm = firm_make(name="Hart & Vale")
    staff_make(firm=firm, role=FirmRole.OWNER)
    staff_make(firm=firm, role=FirmRole.ASSISTANT)  # no billing power: not told
    ada = joined(firm)
    firm_seats_sync(firm=firm)
    client.force_login(ada.user)
    # their own plan page says who pays and links to taking it over
    page = client.get(reverse("billing:memorial", args=[ada.memorial_id])).content.decode()
    assert "Paid by Hart &amp; Vale" in page
    pay_self = reverse("firms:client_pay_self", args=[ada.memorial_id])
    assert pay_self in page
    # the confirmation says what changes before anything does
    page = client.get(pay_self).content.decode()
    for said in ("seat for you is released", "Nothing is paused", "is told"):
        assert said in page
    # when they choose a plan of their own
    price = Price.objects.filter(plan__code="interactive", active=True).first()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(pay_self, {"price": price.pk})
    # then they go to the provider's normal checkout (here, the offline request page)
    assert response.status_code == 302
    assert response["Location"].startswith(
        reverse("billing:manual_request", kwargs={"memorial_id": ada.memorial_id})
    )
    # audited in the firm's trail and their memorial's log; the firm's billing staff told
    assert "firm.client_chose_to_pay" in [
        event.action for event in audit_events_for(memorial_id=ada.memorial_id)
    ]
    told = OutboundMail.objects.filter(topic=f"firm_client_pays_self:{ada.pk}")
    assert told.count() == 1  # one mail to each: the owner (billing), not the assistant
    # the firm keeps paying until their own payment goes through: nothing paused meanwhile
    assert FirmClient.objects.get(pk=ada.pk).paid_by_firm
    # (staff mark their own plan paid, as the offline provider has them do)
    own = Subscription.objects.create(
        memorial_id=ada.memorial_id,
        plan=price.plan,
        price=price,
        payer=ada.user,
        provider="manual",
        status=SubscriptionStatus.ACTIVE,
    )
    assert not FirmClient.objects.get(pk=ada.pk).paid_by_firm
    assert FirmSubscription.objects.get(firm=firm).quantity == 0
    # and the firm's billing staff are told again, once, that the seat is now released
    own.save()  # a later save of their subscription tells nobody more
    released = OutboundMail.objects.filter(topic=f"firm_client_seat_released:{ada.pk}:{own.pk}")
    assert released.count() == 1
    assert plan_effective(ada.memorial_id).code == "interactive"


def test_only_the_subject_may_take_over_from_the_firm(client, manual):
    firm = firm_make()
    ada = joined(firm)
    family = MembershipFactory(memorial=ada.memorial, role=Role.FAMILY).user
    client.force_login(family)
    assert client.get(reverse("firms:client_pay_self", args=[ada.memorial_id])).status_code == 404
    page = client.get(reverse("billing:memorial", args=[ada.memorial_id])).content.decode()
    assert "data-sponsor" not in page
