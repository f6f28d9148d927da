"""A steward asks to activate the memorial, with their key and the death certificate."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.audit import audit_record
from core.files import memorial_file_delete
from memorials.activation.certificates import certificate_check, certificate_store
from memorials.activation.keys import activation_key_check
from memorials.activation.rules import ActivationError, memorial_activatable, steward_require
from memorials.activation.selectors import activation_is_approved, activation_pending_get
from memorials.activation.signals import activation_requested
from memorials.inactivity import subject_last_seen
from memorials.models import ActivationRequest, InactivityWatch, Memorial
from memorials.naming import memorial_noun
from memorials.notices import notice_send_on_commit, site_link, staff_emails, steward_emails


def _notice_waived(*, memorial: Memorial) -> bool:
    """True when the inactivity fallback has run its course for the subject's current
    absence: they were warned and did not come back; the stewards were told."""
    watch = InactivityWatch.objects.filter(memorial=memorial).first()
    return (
        watch is not None
        and watch.stewards_notified_at is not None
        and watch.seen_at >= subject_last_seen(user=memorial.subject)
    )


def activation_start(
    *,
    memorial: Memorial,
    steward: User,
    key: str,
    certificate: UploadedFile | None,
    now: datetime | None = None,
) -> ActivationRequest:
    """A steward asks to activate the memorial with their key and the death certificate."""
    now = now or timezone.now()
    steward_require(memorial=memorial, user=steward)
    if not memorial_activatable(memorial=memorial):
        raise ActivationError("This memorial is closed; it cannot be activated.")
    if activation_is_approved(memorial_id=memorial.id):
        raise ActivationError("This memorial has already been activated.")
    if activation_pending_get(memorial_id=memorial.id) is not None:
        raise ActivationError("An activation is already waiting for approval.")
    content_type = certificate_check(certificate)
    activation_key_check(memorial=memorial, steward=steward, key=key, now=now)
    assert certificate is not None
    activation_id = uuid.uuid4()
    name = certificate_store(
        memorial_id=memorial.id, activation_id=activation_id, certificate=certificate
    )
    size = certificate.size or 0
    waived = _notice_waived(memorial=memorial)
    approvable_at = now if waived else now + timedelta(hours=settings.ACTIVATION_NOTICE_HOURS)
    try:
        with transaction.atomic():
            Memorial.objects.select_for_update().get(pk=memorial.pk)
            if activation_pending_get(memorial_id=memorial.id) is not None:
                raise ActivationError("An activation is already waiting for approval.")
            activation = ActivationRequest.objects.create(
                id=activation_id,
                memorial=memorial,
                started_by=steward,
                certificate_path=name,
                certificate_type=content_type,
                certificate_bytes=size,
                approvable_at=approvable_at,
                created_at=now,
            )
            audit_record(
                action="activation.started",
                memorial_id=memorial.id,
                actor=steward,
                data={
                    "activation": activation.id,
                    "certificate_type": content_type,
                    "certificate_bytes": size,
                    "approvable_at": approvable_at,
                    "notice_waived": waived,
                },
            )
            _started_notify(activation=activation)
            transaction.on_commit(
                lambda: activation_requested.send(
                    sender=ActivationRequest, memorial_id=memorial.id, activation=activation
                )
            )
    except BaseException:
        memorial_file_delete(name=name)
        raise
    return activation


def _started_notify(*, activation: ActivationRequest) -> None:
    memorial = activation.memorial
    context = {
        "memorial": memorial,
        "activation": activation,
        "steward": activation.started_by,
        "link": site_link(memorial.get_absolute_url()),
        "review_link": site_link(reverse("memorials:activation", args=[memorial.id])),
        "staff_link": site_link(reverse("memorials:activation_review")),
    }
    notice_send_on_commit(
        to=[memorial.subject.email],
        subject=f"{activation.started_by} has asked to activate your {memorial_noun(memorial)}",
        template="activation_started_subject",
        context=context,
    )
    others = steward_emails(memorial=memorial, exclude=activation.started_by)
    notice_send_on_commit(
        to=others,
        subject=f"Please review the activation of {memorial}",
        template="activation_started_steward",
        context=context,
    )
    if not others:
        notice_send_on_commit(
            to=staff_emails(),
            subject="An activation is waiting for staff review",
            template="activation_started_staff",
            context=context,
        )
