"""Activation after death (after Apple's Digital Legacy): each steward holds a key issued in
advance; activating needs that key and a death certificate, then a second person's approval
(another steward, or Legacy staff where the memorial has only one steward). The subject, if
still alive, is told of every attempt and can cancel; and nobody may approve before a notice
period has passed (waived when the inactivity fallback has already run its course).
Every step is audited under "activation.*".
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.crypto import memorial_cipher
from memorials.lifecycle import InvalidTransition
from memorials.models import (
    ActivationKey,
    ActivationRequest,
    ActivationStatus,
    InactivityWatch,
    Membership,
    Memorial,
    MemorialState,
    Role,
)
from memorials.notices import notice_send_on_commit, site_link, staff_emails, steward_emails
from memorials.services import memorial_transition

logger = logging.getLogger(__name__)

KEY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
KEY_GROUPS, KEY_GROUP_LENGTH = 5, 5  # 25 characters, 125 bits
KEY_LOCKOUT = timedelta(hours=24)


class ActivationError(Exception):
    """Why this activation step cannot happen; the message is shown to the person."""


# --- Keys ------------------------------------------------------------------------------


def activation_key_normalise(key: str) -> str:
    """What the steward typed, as the key it means: case, spaces, dashes and the letters
    people confuse with digits do not matter."""
    key = "".join(ch for ch in key.upper() if ch.isalnum())
    return key.translate(str.maketrans("OIL", "011"))


def activation_key_hash(key: str) -> str:
    return hashlib.sha256(f"activation:{activation_key_normalise(key)}".encode()).hexdigest()


def _key_generate() -> str:
    raw = "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_GROUPS * KEY_GROUP_LENGTH))
    step = KEY_GROUP_LENGTH
    return "-".join(raw[i : i + step] for i in range(0, len(raw), step))


def activation_key_get(*, memorial_id: uuid.UUID | str, steward: Any) -> ActivationKey | None:
    """The steward's live key row (never the key itself), or None if none was issued."""
    return ActivationKey.objects.filter(
        memorial_id=memorial_id, steward=steward, revoked_at__isnull=True
    ).first()


def _require_steward(*, memorial: Memorial, user: Any) -> None:
    if not Membership.objects.filter(memorial=memorial, user=user, role=Role.STEWARD).exists():
        raise ActivationError("Only the memorial's stewards can do this.")


def activation_key_issue(*, memorial: Memorial, steward: Any) -> str:
    """Issue the steward's key (replacing any earlier one). Returns the key: the only time
    it exists in the clear. Only its hash is stored."""
    _require_steward(memorial=memorial, user=steward)
    key = _key_generate()
    with transaction.atomic():
        reissued = bool(
            ActivationKey.objects.filter(
                memorial=memorial, steward=steward, revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
        )
        ActivationKey.objects.create(
            memorial=memorial, steward=steward, key_hash=activation_key_hash(key)
        )
        audit_record(
            action="activation.key_issued",
            memorial_id=memorial.id,
            actor=steward,
            data={"steward": steward.pk, "reissued": reissued},
        )
    return key


def _key_check(*, memorial: Memorial, steward: Any, key: str, now: datetime) -> ActivationKey:
    """The steward's key row if `key` is theirs; else ActivationError. A wrong key is
    counted (and audited, and the subject told) outside any transaction, so it sticks."""
    row = activation_key_get(memorial_id=memorial.id, steward=steward)
    if row is None:
        raise ActivationError("You have no activation key yet. Open your key page first.")
    recent = row.last_failed_at is not None and now - row.last_failed_at < KEY_LOCKOUT
    if recent and row.failed_attempts >= settings.ACTIVATION_KEY_MAX_ATTEMPTS:
        assert row.last_failed_at is not None
        until = row.last_failed_at + KEY_LOCKOUT
        raise ActivationError(
            f"Too many wrong keys. Please try again after {until:%d %B %Y, %H:%M} UTC."
        )
    if secrets.compare_digest(row.key_hash, activation_key_hash(key)):
        return row
    row.failed_attempts = row.failed_attempts + 1 if recent else 1
    row.last_failed_at = now
    row.save(update_fields=["failed_attempts", "last_failed_at"])
    audit_record(
        action="activation.key_refused",
        memorial_id=memorial.id,
        actor=steward,
        data={"steward": steward.pk, "attempt": row.failed_attempts},
    )
    notice_send_on_commit(
        to=[memorial.subject.email],
        subject="Someone tried to activate your memorial",
        template="activation_attempt_refused",
        context={
            "memorial": memorial,
            "steward": steward,
            "link": site_link(memorial.get_absolute_url()),
        },
    )
    raise ActivationError("That is not your activation key. Please check it and try again.")


# --- The death certificate -------------------------------------------------------------


def certificate_type_sniff(head: bytes) -> str | None:
    """The file's real type from its first bytes (never the browser's word for it)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "image/heic"
    return None


def certificate_relative_path(*, memorial_id: uuid.UUID, activation_id: uuid.UUID) -> str:
    return f"memorials/{memorial_id}/activation/{activation_id}.bin"


def certificate_dir(*, memorial_id: uuid.UUID | str) -> Path:
    return Path(settings.MEDIA_ROOT) / "memorials" / str(memorial_id) / "activation"


def _certificate_check(certificate: UploadedFile | None) -> str:
    if certificate is None or not certificate.size:
        raise ActivationError("Please add the death certificate: a PDF or a photo of it.")
    limit_mb = settings.DEATH_CERTIFICATE_MAX_MB
    if certificate.size > limit_mb * 1024 * 1024:
        raise ActivationError(f"The certificate file is too large: at most {limit_mb} MB.")
    certificate.seek(0)
    content_type = certificate_type_sniff(certificate.read(16))
    certificate.seek(0)
    if content_type is None:
        raise ActivationError("The certificate must be a PDF or an image (JPEG, PNG, WebP, HEIC).")
    return content_type


def _certificate_store(
    *, memorial_id: uuid.UUID, activation_id: uuid.UUID, certificate: UploadedFile
) -> tuple[str, int]:
    relative = certificate_relative_path(memorial_id=memorial_id, activation_id=activation_id)
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    cipher = memorial_cipher(memorial_id=memorial_id)
    with partial.open("wb") as out:
        size = cipher.encrypt_stream(cast(BinaryIO, certificate), out)
    os.replace(partial, target)
    return relative, size


def certificate_delete(*, activation: ActivationRequest) -> None:
    if activation.certificate_path:
        (Path(settings.MEDIA_ROOT) / activation.certificate_path).unlink(missing_ok=True)


def activation_certificate_chunks(*, activation: ActivationRequest) -> Iterator[bytes]:
    """The decrypted certificate, chunk by chunk, for the people reviewing it."""
    path = Path(settings.MEDIA_ROOT) / activation.certificate_path
    if not activation.certificate_path or not path.exists():
        raise Http404("The certificate is no longer kept.")
    cipher = memorial_cipher(memorial_id=activation.memorial_id)
    with path.open("rb") as source:
        yield from cipher.decrypt_stream(source)


# --- Reads -----------------------------------------------------------------------------


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


def steward_count(*, memorial_id: uuid.UUID | str) -> int:
    return Membership.objects.filter(memorial_id=memorial_id, role=Role.STEWARD).count()


def activation_list_for_staff_review(*, user: Any) -> QuerySet[ActivationRequest]:
    """Staff's way in: pending activations of memorials with a single steward, who have
    nobody else to approve. Staff hold no memorial role, so `memorial_get_for` is not theirs."""
    if not (user.is_authenticated and user.is_staff):
        raise Http404
    return (
        ActivationRequest.objects.select_related("memorial", "started_by")
        .filter(status=ActivationStatus.PENDING)
        .annotate(
            stewards=Count(
                "memorial__memberships", filter=Q(memorial__memberships__role=Role.STEWARD)
            )
        )
        .filter(stewards=1)
        .exclude(memorial__state=MemorialState.ERASED)
        .order_by("created_at")
    )


def activation_get_for_staff(*, user: Any, activation_id: uuid.UUID) -> ActivationRequest:
    activation = activation_list_for_staff_review(user=user).filter(pk=activation_id).first()
    if activation is None:
        raise Http404
    return activation


# --- Writes ----------------------------------------------------------------------------


def _notice_waived(*, memorial: Memorial) -> bool:
    """True when the inactivity fallback has run its course for the subject's current
    absence: they were warned and did not come back; the stewards were told."""
    from memorials.inactivity import subject_last_seen

    watch = InactivityWatch.objects.filter(memorial=memorial).first()
    return (
        watch is not None
        and watch.stewards_notified_at is not None
        and watch.seen_at >= subject_last_seen(user=memorial.subject)
    )


def activation_start(
    *,
    memorial: Memorial,
    steward: Any,
    key: str,
    certificate: UploadedFile | None,
    now: datetime | None = None,
) -> ActivationRequest:
    """A steward asks to activate the memorial with their key and the death certificate."""
    now = now or timezone.now()
    _require_steward(memorial=memorial, user=steward)
    if memorial.state not in (MemorialState.PRESERVING, MemorialState.SEALED, MemorialState.ACTIVE):
        raise ActivationError("This memorial is closed; it cannot be activated.")
    if activation_is_approved(memorial_id=memorial.id):
        raise ActivationError("This memorial has already been activated.")
    if activation_pending_get(memorial_id=memorial.id) is not None:
        raise ActivationError("An activation is already waiting for approval.")
    content_type = _certificate_check(certificate)
    _key_check(memorial=memorial, steward=steward, key=key, now=now)
    assert certificate is not None
    activation_id = uuid.uuid4()
    relative, size = _certificate_store(
        memorial_id=memorial.id, activation_id=activation_id, certificate=certificate
    )
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
                certificate_path=relative,
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
    except BaseException:
        (Path(settings.MEDIA_ROOT) / relative).unlink(missing_ok=True)
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
        subject=f"{activation.started_by} has asked to activate your memorial",
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
    *, activation: ActivationRequest, actor: Any, status: str, as_staff: bool, now: datetime
) -> ActivationRequest:
    activation.status = status
    activation.decided_by = actor
    activation.decided_as_staff = as_staff
    activation.decided_at = now
    activation.save(update_fields=["status", "decided_by", "decided_as_staff", "decided_at"])
    return activation


def _approve(
    *, activation: ActivationRequest, approver: Any, as_staff: bool, now: datetime
) -> ActivationRequest:
    with transaction.atomic():
        locked = _pending_locked(activation)
        if now < locked.approvable_at:
            raise ActivationError(
                "The subject is given time to answer before anyone may approve. "
                f"This activation can be approved from {locked.approvable_at:%d %B %Y, %H:%M} UTC."
            )
        memorial = locked.memorial
        if memorial.state != MemorialState.ACTIVE:
            try:
                memorial_transition(memorial=memorial, to=MemorialState.ACTIVE)
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
    activation.refresh_from_db()
    return activation


def activation_approve(
    *, activation: ActivationRequest, approver: Any, now: datetime | None = None
) -> ActivationRequest:
    """A second steward approves: the memorial becomes active."""
    _require_steward(memorial=activation.memorial, user=approver)
    if approver.pk == activation.started_by_id:
        raise ActivationError("Another steward must approve the activation you started.")
    return _approve(
        activation=activation, approver=approver, as_staff=False, now=now or timezone.now()
    )


def activation_approve_as_staff(
    *, activation: ActivationRequest, staff_user: Any, now: datetime | None = None
) -> ActivationRequest:
    """Legacy staff approve, where the memorial has only one steward to ask."""
    if not staff_user.is_staff:
        raise ActivationError("Only Legacy staff can review activations.")
    if staff_user.pk == activation.started_by_id:
        raise ActivationError("Someone other than the steward who started it must approve.")
    if steward_count(memorial_id=activation.memorial_id) != 1:
        raise ActivationError("This memorial has other stewards: one of them approves.")
    return _approve(
        activation=activation, approver=staff_user, as_staff=True, now=now or timezone.now()
    )


def activation_reject(
    *, activation: ActivationRequest, actor: Any, now: datetime | None = None
) -> ActivationRequest:
    """Another steward, or staff, does not approve (e.g. the certificate is not right)."""
    as_staff = bool(actor.is_staff) and steward_count(memorial_id=activation.memorial_id) == 1
    if not as_staff:
        _require_steward(memorial=activation.memorial, user=actor)
        if actor.pk == activation.started_by_id:
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
    *, activation: ActivationRequest, actor: Any, now: datetime | None = None
) -> ActivationRequest:
    """The subject, alive, cancels; or the steward who started it withdraws it."""
    memorial = activation.memorial
    if actor.pk == memorial.subject_id:
        by = "subject"
    elif actor.pk == activation.started_by_id:
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
