"""What the activation page offers comes from the rules the services enforce
(`activation_view_for`), and the page shows exactly that."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from memorials.activation.approvals import activation_approve, activation_cancel
from memorials.activation.requests import activation_start
from memorials.activation.rules import ActivationError
from memorials.activation.selectors import activation_view_for
from memorials.models import MemorialState
from memorials.selectors import memorial_get_for
from tests.accounts.factories import UserFactory
from tests.memorials.conftest import certificate_upload

pytestmark = pytest.mark.django_db


def view_of(user, memorial, now=None):
    membership = memorial_get_for(user=user, memorial_id=memorial.id)
    return activation_view_for(membership=membership, now=now or timezone.now())


def test_before_any_request_a_steward_with_a_key_may_start(memorial, steward, steward_key):
    view = view_of(steward, memorial)
    assert view.has_key and view.single_steward
    assert not (view.approved or view.closed or view.pending)
    assert not (view.may_withdraw or view.may_review)


def test_the_starter_may_withdraw_and_the_other_steward_review(
    memorial, pending, steward, second_steward
):
    mine, theirs = view_of(steward, memorial), view_of(second_steward, memorial)
    assert mine.pending == theirs.pending == pending
    assert (mine.may_withdraw, mine.may_review) == (True, False)
    assert (theirs.may_withdraw, theirs.may_review) == (False, True)
    assert not theirs.has_key and not theirs.single_steward
    # and the services agree
    with pytest.raises(ActivationError):
        activation_approve(activation=pending, approver=steward)
    with pytest.raises(ActivationError):
        activation_cancel(activation=pending, actor=second_steward)


def test_waiting_until_is_the_notice_period_the_approval_refuses(
    memorial, steward, second_steward, steward_key, settings
):
    settings.ACTIVATION_NOTICE_HOURS = 72
    now = timezone.now()
    activation = activation_start(
        memorial=memorial, steward=steward, key=steward_key, certificate=certificate_upload(),
        now=now,
    )  # fmt: skip
    during = now + timedelta(hours=71)
    assert view_of(second_steward, memorial, now=during).waiting_until == activation.approvable_at
    with pytest.raises(ActivationError, match="time to answer"):
        activation_approve(activation=activation, approver=second_steward, now=during)
    after = now + timedelta(hours=72)
    assert view_of(second_steward, memorial, now=after).waiting_until is None
    activation_approve(activation=activation, approver=second_steward, now=after)
    assert view_of(second_steward, memorial).approved


def test_a_closed_memorial_shows_as_closed(memorial, steward):
    memorial.state = MemorialState.CLOSED
    memorial.save()
    assert view_of(steward, memorial).closed


def test_the_page_shows_the_notice_period_and_the_review_to_the_other_steward(
    client, memorial, steward, second_steward, steward_key
):
    activation = activation_start(
        memorial=memorial, steward=steward, key=steward_key, certificate=certificate_upload()
    )
    url = reverse("memorials:activation", args=[memorial.id])
    client.force_login(second_steward)
    page = client.get(url).content.decode()
    assert "to answer if this is a mistake" in page
    assert f"{activation.approvable_at:%-d %B %Y, %H:%M}" in page  # in the person's zone
    assert "Approve the activation" in page and "Withdraw my request" not in page
    client.force_login(steward)
    page = client.get(url).content.decode()
    assert "Withdraw my request" in page and "Approve the activation" not in page
    assert "Another steward reviews your request." in page


def test_after_the_notice_period_the_page_no_longer_says_wait(client, memorial, pending, steward):
    client.force_login(steward)
    page = client.get(reverse("memorials:activation", args=[memorial.id])).content.decode()
    assert "to answer if this is a mistake" not in page
    assert "You are the only steward, so Legacy staff review your request." in page


def test_the_staff_review_page_says_until_when_the_subject_may_cancel(
    client, memorial, steward, steward_key, pending
):
    client.force_login(UserFactory(is_staff=True))
    url = reverse("memorials:activation_review")
    assert "The subject has until" not in client.get(url).content.decode()  # notice is over
    activation_cancel(activation=pending, actor=steward)
    fresh = activation_start(
        memorial=memorial, steward=steward, key=steward_key, certificate=certificate_upload()
    )
    page = client.get(url).content.decode()
    assert f"The subject has until {fresh.approvable_at:%-d %B %Y, %H:%M} to cancel" in page
