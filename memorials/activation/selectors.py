"""Reads: the activations of a memorial, the staff's way in, and what the activation page
shows (`activation_view_for`), computed from the rules the services enforce."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.models import User
from memorials.activation.keys import activation_key_get
from memorials.activation.rules import (
    activation_started_by,
    activation_waiting_until,
    memorial_activatable,
    steward_count,
)
from memorials.models import ActivationRequest, ActivationStatus, Membership, MemorialState, Role


def activation_pending_get(*, memorial_id: uuid.UUID | str) -> ActivationRequest | None:
    return (
        ActivationRequest.objects.select_related("started_by")
        .filter(memorial_id=memorial_id, status=ActivationStatus.PENDING)
        .first()
    )


def activation_approved_get(*, memorial_id: uuid.UUID | str) -> ActivationRequest | None:
    return (
        ActivationRequest.objects.filter(memorial_id=memorial_id, status=ActivationStatus.APPROVED)
        .order_by("decided_at")
        .first()
    )


def activation_last_ended_get(*, memorial_id: uuid.UUID | str) -> ActivationRequest | None:
    """The newest request, if it ended without activating: cancelled (by the subject, or
    withdrawn by the steward who asked) or not approved. None if the newest is waiting or
    approved, or there is none."""
    latest = (
        ActivationRequest.objects.select_related("memorial", "started_by", "decided_by")
        .filter(memorial_id=memorial_id)
        .order_by("-created_at")
        .first()
    )
    ended = (ActivationStatus.CANCELLED, ActivationStatus.REJECTED)
    return latest if latest is not None and latest.status in ended else None


def activation_is_approved(*, memorial_id: uuid.UUID | str) -> bool:
    """True once the memorial was activated after the subject's death."""
    return ActivationRequest.objects.filter(
        memorial_id=memorial_id, status=ActivationStatus.APPROVED
    ).exists()


def activation_get_for(*, membership: Membership, activation_id: uuid.UUID) -> ActivationRequest:
    """An activation of the memorial `membership` (from `memorial_get_for`) belongs to."""
    activation = (
        ActivationRequest.objects.select_related("memorial", "started_by", "decided_by")
        .filter(pk=activation_id, memorial_id=membership.memorial_id)
        .first()
    )
    if activation is None:
        raise Http404
    return activation


def staff_reviewer_get(*, user: User | AnonymousUser) -> User:
    """The signed-in Legacy staff member; Http404 for anyone else."""
    if not isinstance(user, User) or not (user.is_authenticated and user.is_staff):
        raise Http404
    return user


def activation_list_for_staff_review(*, user: User | AnonymousUser) -> QuerySet[ActivationRequest]:
    """Staff's way in: pending activations of memorials with a single steward, who have
    nobody else to approve. Staff hold no memorial role, so `memorial_get_for` is not theirs."""
    staff_reviewer_get(user=user)
    return (
        ActivationRequest.objects.select_related("memorial", "started_by")
        .filter(status=ActivationStatus.PENDING)
        .annotate(
            stewards=Count(
                "memorial__memberships", filter=Q(memorial__memberships__role=Role.STEWARD)
            )
        )
        .filter(stewards__lte=1)  # a professional steward (a firm) is not a membership
        .exclude(memorial__state=MemorialState.ERASED)
        .order_by("created_at")
    )


def activation_get_for_staff(
    *, user: User | AnonymousUser, activation_id: uuid.UUID
) -> ActivationRequest:
    activation = activation_list_for_staff_review(user=user).filter(pk=activation_id).first()
    if activation is None or steward_count(memorial_id=activation.memorial_id) != 1:
        raise Http404
    return activation


@dataclass(frozen=True)
class ActivationReview:
    """One request on the staff's review page."""

    activation: ActivationRequest
    waiting_until: datetime | None  # nobody may approve before this (the notice period)


def activation_reviews_for_staff(
    *, user: User | AnonymousUser, now: datetime
) -> list[ActivationReview]:
    return [
        ActivationReview(
            activation=activation,
            waiting_until=activation_waiting_until(activation=activation, now=now),
        )
        for activation in activation_list_for_staff_review(user=user)
        if steward_count(memorial_id=activation.memorial_id) == 1
    ]


@dataclass(frozen=True)
class ActivationView:
    """What a steward's activation page shows, and which actions it offers them."""

    approved: bool  # the memorial was activated after the subject's death
    closed: bool  # closed or erased: it can no longer be activated
    pending: ActivationRequest | None  # the request waiting for approval, if any
    has_key: bool  # this steward has taken their activation key
    single_steward: bool  # nobody but staff can be the second person
    may_withdraw: bool  # they started the pending request
    may_review: bool  # they may approve or reject it (another steward)
    waiting_until: datetime | None  # nobody may approve before this (the notice period)
    last_ended: ActivationRequest | None = None  # the newest request, cancelled or rejected
    cancelled_by_subject: bool = False  # ... cancelled by the subject themselves


def activation_view_for(*, membership: Membership, now: datetime) -> ActivationView:
    """The activation page of `membership` (a steward's, from `memorial_get_for`)."""
    memorial, user = membership.memorial, membership.user
    pending = activation_pending_get(memorial_id=memorial.id)
    started = pending is not None and activation_started_by(activation=pending, user=user)
    last_ended = None if pending is not None else activation_last_ended_get(memorial_id=memorial.id)
    return ActivationView(
        approved=activation_is_approved(memorial_id=memorial.id),
        closed=not memorial_activatable(memorial=memorial),
        pending=pending,
        has_key=activation_key_get(memorial_id=memorial.id, steward=user) is not None,
        single_steward=steward_count(memorial_id=memorial.id) == 1,
        may_withdraw=started,
        may_review=pending is not None and not started and membership.role == Role.STEWARD,
        waiting_until=(
            activation_waiting_until(activation=pending, now=now) if pending is not None else None
        ),
        last_ended=last_ended,
        cancelled_by_subject=(
            last_ended is not None
            and last_ended.status == ActivationStatus.CANCELLED
            and last_ended.decided_by_id == memorial.subject_id
        ),
    )
