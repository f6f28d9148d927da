"""The second person decides: another steward (or staff, for a single steward) approves or
rejects; the subject, or the steward who asked, cancels."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.audit import audit_record
from memorials.activation.certificates import certificate_delete
from memorials.activation.rules import (
    ActivationError,
    activation_started_by,
    activation_waiting_until,
    moment_words,
    steward_count,
    steward_require,
)
from memorials.activation.signals import activation_approved
from memorials.lifecycle import InvalidTransition
from memorials.models import ActivationRequest, ActivationStatus
from memorials.notices import notice_send_on_commit, site_link, steward_emails
from memorials.services import memorial_activated_after_death


def _pending_locked(activation: ActivationRequest) -> ActivationRequest:
    locked = (
        ActivationRequest.objects.select_for_update()
        .select_related("memorial", "started_by")
        .get(pk=activation.pk)
    )
    if locked.status != ActivationStatus.PENDING:
        raise ActivationError(
            f"This activation is no longer waiting: {locked.get_status_display().lower()}."
        )
    return locked


def _decide(
    *, activation: ActivationRequest, actor: User, status: str, as_staff: bool, now: datetime
) -> ActivationRequest:
    activation.status = status
    activation.decided_by = actor
    activation.decided_as_staff = as_staff
    activation.decided_at = now
    activation.save(update_fields=["status", "decided_by", "decided_as_staff", "decided_at"])
    return activation


def _approve(
    *, activation: ActivationRequest, approver: User, as_staff: bool, now: datetime
) -> ActivationRequest:
    with transaction.atomic():
        locked = _pending_locked(activation)
        if activation_waiting_until(activation=locked, now=now) is not None:
            raise ActivationError(
                "The subject is given time to answer before anyone may approve. "
                f"This activation can be approved from {moment_words(locked.approvable_at)}."
            )
        memorial = locked.memorial
        try:
            memorial_activated_after_death(memorial=memorial)
        except InvalidTransition as error:
            raise ActivationError(str(error)) from None
        _decide(
            activation=locked,
            actor=approver,
            status=ActivationStatus.APPROVED,
            as_staff=as_staff,
            now=now,
        )
        audit_record(
            action="activation.approved",
            memorial_id=memorial.id,
            actor=approver,
            data={"activation": locked.id, "by": "staff" if as_staff else "steward"},
        )
        notice_send_on_commit(
            to=[memorial.subject.email, *steward_emails(memorial=memorial)],
            subject=f"{memorial} is now active",
            template="activation_approved",
            context={"memorial": memorial, "link": site_link(memorial.get_absolute_url())},
        )
        transaction.on_commit(
            lambda: activation_approved.send(
                sender=ActivationRequest, memorial_id=memorial.id, activation=locked
            )
        )
    activation.refresh_from_db()
    return activation


def activation_approve(
    *, activation: ActivationRequest, approver: User, now: datetime | None = None
) -> ActivationRequest:
    """A second steward approves: the memorial becomes active."""
    steward_require(memorial=activation.memorial, user=approver)
    if activation_started_by(activation=activation, user=approver):
        raise ActivationError("Another steward must approve the activation you started.")
    return _approve(
        activation=activation, approver=approver, as_staff=False, now=now or timezone.now()
    )


def activation_approve_as_staff(
    *, activation: ActivationRequest, staff_user: User, now: datetime | None = None
) -> ActivationRequest:
    """Legacy staff approve, where the memorial has only one steward to ask."""
    if not staff_user.is_staff:
        raise ActivationError("Only Legacy staff can review activations.")
    if activation_started_by(activation=activation, user=staff_user):
        raise ActivationError("Someone other than the steward who started it must approve.")
    if steward_count(memorial_id=activation.memorial_id) != 1:
        raise ActivationError("This memorial has other stewards: one of them approves.")
    return _approve(
        activation=activation, approver=staff_user, as_staff=True, now=now or timezone.now()
    )


def activation_reject(
    *, activation: ActivationRequest, actor: User, now: datetime | None = None
) -> ActivationRequest:
    """Another steward, or staff, does not approve (e.g. the certificate is not right)."""
    as_staff = bool(actor.is_staff) and steward_count(memorial_id=activation.memorial_id) == 1
    if not as_staff:
        steward_require(memorial=activation.memorial, user=actor)
        if activation_started_by(activation=activation, user=actor):
            raise ActivationError("To withdraw your own request, use Withdraw.")
    with transaction.atomic():
        locked = _pending_locked(activation)
        _decide(
            activation=locked,
            actor=actor,
            status=ActivationStatus.REJECTED,
            as_staff=as_staff,
            now=now or timezone.now(),
        )
        audit_record(
            action="activation.rejected",
            memorial_id=locked.memorial_id,
            actor=actor,
            data={"activation": locked.id, "by": "staff" if as_staff else "steward"},
        )
        notice_send_on_commit(
            to=[locked.started_by.email],
            subject=f"The activation of {locked.memorial} was not approved",
            template="activation_rejected",
            context={"memorial": locked.memorial, "activation": locked},
        )
        transaction.on_commit(lambda: certificate_delete(activation=locked))
    activation.refresh_from_db()
    return activation


def activation_cancel(
    *, activation: ActivationRequest, actor: User, now: datetime | None = None
) -> ActivationRequest:
    """The subject, alive, cancels; or the steward who started it withdraws it."""
    memorial = activation.memorial
    if actor.pk == memorial.subject_id:
        by = "subject"
    elif activation_started_by(activation=activation, user=actor):
        by = "steward"
    else:
        raise ActivationError("Only the subject, or the steward who started it, can cancel.")
    with transaction.atomic():
        locked = _pending_locked(activation)
        _decide(
            activation=locked,
            actor=actor,
            status=ActivationStatus.CANCELLED,
            as_staff=False,
            now=now or timezone.now(),
        )
        audit_record(
            action="activation.cancelled",
            memorial_id=memorial.id,
            actor=actor,
            data={"activation": locked.id, "by": by},
        )
        notice_send_on_commit(
            to=steward_emails(memorial=memorial),
            subject=f"The activation of {memorial} was cancelled",
            template="activation_cancelled",
            context={"memorial": memorial, "by_subject": by == "subject"},
        )
        transaction.on_commit(lambda: certificate_delete(activation=locked))
    activation.refresh_from_db()
    return activation
