"""A failed payment: grace with gentle notices, then the free plan with every piece of data
kept; the state mirrored from the provider whatever the order; who pays, and taking it over
after the subject's death; each step in the memorial's audit log, in words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.entitlements import plan_effective
from billing.models import SubscriptionStatus
from billing.services import (
    PayerRefused,
    subscription_grace_end,
    subscription_payer_take_over,
    subscription_status_apply,
    subscriptions_manual_overdue,
)
from consent.selectors import audit_page_for
from conversations.models import Conversation, Message
from core.allowances import AllowanceKind, allowance_check
from corpus.models import Upload
from memorials.models import Role
from memorials.services import memorial_activated_after_death
from tests.billing.factories import subscribe
from tests.memorials.factories import MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(django_capture_on_commit_callbacks):
    memorial = MemorialFactory(name="Ann Smith")
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD).user
    family = MembershipFactory(memorial=memorial, role=Role.FAMILY).user
    sub = subscribe(memorial, "preserve")
    return memorial, sub, steward, family


def _data(memorial):
    return (
        Upload.objects.filter(memorial=memorial).count(),
        Message.objects.filter(conversation__memorial=memorial).count(),
    )


def test_a_failed_payment_starts_grace_then_the_free_plan_and_nothing_is_deleted(
    paid, mailoutbox, django_capture_on_commit_callbacks
):
    memorial, sub, steward, family = paid
    conversation = Conversation.objects.create(memorial=memorial, visitor=family)
    Message.objects.create(conversation=conversation, seq=1, role="visitor", text_encrypted=b"x")
    Upload.objects.create(
        memorial=memorial, name_encrypted=b"x", size=10, sha256="a", path="p",
        outcomes_encrypted=b"x",
    )  # fmt: skip
    kept = _data(memorial)

    # when: the payment fails (as the provider's webhook would say, twice)
    with django_capture_on_commit_callbacks(execute=True):
        subscription_status_apply(sub, "past_due")
        subscription_status_apply(sub, "past_due")

    # then: grace, told once to the payer (the living subject) and the stewards
    sub.refresh_from_db()
    assert sub.grace_until is not None
    assert (sub.grace_until - timezone.now()).days in (29, 30)
    told = sorted(address for mail in mailoutbox for address in mail.to)
    assert told == sorted([memorial.subject.email, steward.email])
    assert "did not go through" in mailoutbox[0].subject
    assert "nothing will be deleted" in mailoutbox[0].body
    assert plan_effective(memorial.id).code == "preserve"

    # when: the grace ends unpaid
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert subscription_grace_end(now=sub.grace_until + timedelta(seconds=1)) == 1
        assert subscription_grace_end(now=sub.grace_until + timedelta(days=1)) == 0

    # then: the free plan's allowances, conversations paused with an explanation, data kept
    sub.refresh_from_db()
    assert sub.lapsed_at is not None
    assert plan_effective(memorial.id).code == "free"
    paused = allowance_check(memorial_id=memorial.id, kind=AllowanceKind.FAMILY_MESSAGES)
    assert not paused.allowed and "payment is outstanding" in paused.reason
    assert _data(memorial) == kept
    assert len(mailoutbox) == 3  # everyone in the memorial
    assert "Nothing has been deleted" in mailoutbox[0].body

    # when: someone pays
    subscription_status_apply(sub, "active")

    # then: the plan is back, and every step is in the audit log in words
    assert plan_effective(memorial.id).code == "preserve"
    said = [entry.what for entry in audit_page_for(memorial_id=memorial.id)[1]]
    assert "A payment did not go through; the plan holds during the grace" in said
    assert "The grace ended unpaid: on the free plan now, nothing deleted" in said
    assert "A payment was received; the plan is in effect again" in said


def test_states_arriving_out_of_order_end_in_the_current_one(paid):
    _memorial, sub, *_ = paid
    preserve_price = sub.price

    subscription_status_apply(sub, "active", price=preserve_price)
    subscription_status_apply(sub, "past_due")
    subscription_status_apply(sub, "active")  # the current state, read from the provider

    sub.refresh_from_db()
    assert (sub.status, sub.grace_until, sub.lapsed_at) == (SubscriptionStatus.ACTIVE, None, None)
    with pytest.raises(ValueError):
        subscription_status_apply(sub, "exploded")


def test_a_manual_subscription_past_its_period_starts_its_grace(paid):
    _memorial, sub, *_ = paid
    sub.period_end = timezone.now() - timedelta(days=1)
    sub.save()

    assert subscriptions_manual_overdue() == 1

    sub.refresh_from_db()
    assert sub.status == SubscriptionStatus.PAST_DUE and sub.grace_until is not None


def test_the_living_subject_pays_and_nobody_takes_it_over(paid):
    memorial, _sub, steward, _ = paid

    with pytest.raises(PayerRefused, match="pays for their own memorial"):
        subscription_payer_take_over(memorial=memorial, user=steward)


def test_after_death_a_family_member_keeps_the_memorial_going_and_everyone_is_told(
    paid, mailoutbox, django_capture_on_commit_callbacks
):
    memorial, sub, steward, family = paid
    memorial_activated_after_death(memorial=memorial)

    with django_capture_on_commit_callbacks(execute=True):
        subscription_payer_take_over(memorial=memorial, user=family)

    sub.refresh_from_db()
    assert sub.payer == family
    told = sorted(address for mail in mailoutbox for address in mail.to)
    assert told == sorted([memorial.subject.email, steward.email])
    assert "keeping Ann Smith's memorial going" in mailoutbox[0].subject
    entry = audit_page_for(memorial_id=memorial.id)[1][0]
    assert (entry.what, entry.who) == ("Took over paying for the memorial", str(family))


def test_while_a_payment_is_overdue_anyone_in_the_family_may_pick_it_up(paid):
    memorial, sub, _steward, family = paid
    subscription_status_apply(sub, "unpaid")

    subscription_payer_take_over(memorial=memorial, user=family)

    sub.refresh_from_db()
    assert sub.payer == family
