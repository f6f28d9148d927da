"""Activation after death: key, certificate, second approval, the subject's cancel."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from core.audit import audit_events_for
from memorials.activation.approvals import (
    activation_approve,
    activation_approve_as_staff,
    activation_cancel,
    activation_reject,
)
from memorials.activation.certificates import activation_certificate_chunks
from memorials.activation.keys import activation_key_hash, activation_key_issue
from memorials.activation.requests import activation_start
from memorials.activation.rules import ActivationError
from memorials.activation.selectors import activation_is_approved
from memorials.models import ActivationKey, ActivationRequest, ActivationStatus, MemorialState, Role
from tests.accounts.factories import UserFactory
from tests.memorials.conftest import PDF, certificate_upload
from tests.memorials.factories import MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db


def actions(memorial):
    return [event.action for event in audit_events_for(memorial_id=memorial.id)]


# --- keys ------------------------------------------------------------------------------


def test_a_key_is_issued_once_and_only_its_hash_is_kept(memorial, steward):
    key = activation_key_issue(memorial=memorial, steward=steward)
    row = ActivationKey.objects.get(memorial=memorial, steward=steward)
    assert len(key.replace("-", "")) == 25
    assert key not in row.key_hash and row.key_hash == activation_key_hash(key)
    # typed loosely (lower case, spaces, O for 0) it is still the same key
    assert activation_key_hash(key.lower().replace("-", " ").replace("0", "o")) == row.key_hash
    assert "activation.key_issued" in actions(memorial)


def test_reissuing_a_key_revokes_the_old_one(memorial, steward):
    old = activation_key_issue(memorial=memorial, steward=steward)
    new = activation_key_issue(memorial=memorial, steward=steward)
    live = ActivationKey.objects.filter(memorial=memorial, revoked_at__isnull=True)
    assert [row.key_hash for row in live] == [activation_key_hash(new)]
    with pytest.raises(ActivationError, match="not your activation key"):
        activation_start(
            memorial=memorial, steward=steward, key=old, certificate=certificate_upload()
        )


def test_only_stewards_hold_keys(memorial, family):
    with pytest.raises(ActivationError):
        activation_key_issue(memorial=memorial, steward=family)
    with pytest.raises(ActivationError):
        activation_key_issue(memorial=memorial, steward=memorial.subject)


# --- starting --------------------------------------------------------------------------


def test_start_with_key_and_certificate_stores_it_encrypted_and_tells_everyone(
    memorial, steward, second_steward, steward_key, media_root, django_capture_on_commit_callbacks
):
    # when a steward starts with their key and the certificate
    with django_capture_on_commit_callbacks(execute=True):
        activation = activation_start(
            memorial=memorial, steward=steward, key=steward_key, certificate=certificate_upload()
        )
    # then a pending request exists; the memorial has not changed yet
    assert activation.status == ActivationStatus.PENDING
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.PRESERVING
    # the certificate is on disk under the memorial's folder, encrypted
    path = Path(media_root) / activation.certificate_path
    assert path.parent == Path(media_root) / "memorials" / str(memorial.id) / "activation"
    assert b"certificate of death" not in path.read_bytes()
    assert b"".join(activation_certificate_chunks(activation=activation)) == PDF
    assert activation.certificate_type == "application/pdf"
    # the subject is told (so they can cancel) and the other steward asked to review
    recipients = {tuple(message.to) for message in mail.outbox}
    assert (memorial.subject.email,) in recipients
    assert (second_steward.email,) in recipients
    assert (steward.email,) not in recipients
    assert "activation.started" in actions(memorial)


def test_a_wrong_key_is_refused_counted_and_the_subject_told(
    memorial, steward, steward_key, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ActivationError, match="not your"),
    ):
        activation_start(
            memorial=memorial, steward=steward, key="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE",
            certificate=certificate_upload(),
        )  # fmt: skip
    assert not ActivationRequest.objects.exists()
    assert ActivationKey.objects.get(steward=steward).failed_attempts == 1
    assert mail.outbox[-1].to == [memorial.subject.email]
    assert "activation.key_refused" in actions(memorial)


def test_too_many_wrong_keys_lock_even_the_right_one_out_for_a_day(
    memorial, steward, steward_key, settings
):
    settings.ACTIVATION_KEY_MAX_ATTEMPTS = 3
    now = timezone.now()
    for _ in range(3):
        with pytest.raises(ActivationError, match="not your"):
            activation_start(
                memorial=memorial, steward=steward, key="wrong", certificate=certificate_upload(),
                now=now,
            )  # fmt: skip
    with pytest.raises(ActivationError, match="Too many"):
        activation_start(
            memorial=memorial, steward=steward, key=steward_key, certificate=certificate_upload(),
            now=now + timedelta(hours=1),
        )  # fmt: skip
    activation = activation_start(
        memorial=memorial, steward=steward, key=steward_key, certificate=certificate_upload(),
        now=now + timedelta(hours=25),
    )  # fmt: skip
    assert activation.status == ActivationStatus.PENDING


def test_another_stewards_key_does_not_work(memorial, steward, second_steward):
    theirs = activation_key_issue(memorial=memorial, steward=second_steward)
    activation_key_issue(memorial=memorial, steward=steward)
    with pytest.raises(ActivationError, match="not your"):
        activation_start(
            memorial=memorial, steward=steward, key=theirs, certificate=certificate_upload()
        )


def test_a_steward_without_a_key_is_sent_to_take_one(memorial, steward):
    with pytest.raises(ActivationError, match="no activation key yet"):
        activation_start(
            memorial=memorial, steward=steward, key="x", certificate=certificate_upload()
        )


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "Please add the death certificate"),
        (
            certificate_upload(b"just some text, not a certificate", "c.txt"),
            "must be a PDF or an image",
        ),
    ],
)
def test_the_certificate_is_required_and_must_be_a_pdf_or_image(
    memorial, steward, steward_key, upload, message
):
    with pytest.raises(ActivationError, match=message):
        activation_start(memorial=memorial, steward=steward, key=steward_key, certificate=upload)
    assert not ActivationRequest.objects.exists()
    # and a missing certificate does not count as a wrong key
    assert ActivationKey.objects.get(steward=steward).failed_attempts == 0


def test_a_certificate_over_the_size_limit_is_refused(memorial, steward, steward_key, settings):
    settings.DEATH_CERTIFICATE_MAX_MB = 1
    big = certificate_upload(b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1))
    with pytest.raises(ActivationError, match="too large"):
        activation_start(memorial=memorial, steward=steward, key=steward_key, certificate=big)


def test_images_are_accepted(memorial, steward, steward_key):
    jpeg = certificate_upload(b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 100, "photo.jpg")
    activation = activation_start(
        memorial=memorial, steward=steward, key=steward_key, certificate=jpeg
    )
    assert activation.certificate_type == "image/jpeg"


def test_only_one_activation_waits_at_a_time(memorial, pending, second_steward):
    key = activation_key_issue(memorial=memorial, steward=second_steward)
    with pytest.raises(ActivationError, match="already waiting"):
        activation_start(
            memorial=memorial, steward=second_steward, key=key, certificate=certificate_upload()
        )


def test_family_cannot_start_an_activation(memorial, family):
    with pytest.raises(ActivationError, match="stewards"):
        activation_start(
            memorial=memorial, steward=family, key="x", certificate=certificate_upload()
        )


# --- approving -------------------------------------------------------------------------


def test_a_second_steward_approves_and_the_memorial_becomes_active(
    memorial, pending, second_steward, steward, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        activation = activation_approve(activation=pending, approver=second_steward)
    assert activation.status == ActivationStatus.APPROVED
    assert activation.decided_by == second_steward and not activation.decided_as_staff
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.ACTIVE
    assert activation_is_approved(memorial_id=memorial.id)
    assert {memorial.subject.email, steward.email, second_steward.email} <= {
        message.to[0] for message in mail.outbox
    }
    assert "activation.approved" in actions(memorial)


def test_the_steward_who_started_cannot_approve_it(memorial, pending, steward, second_steward):
    with pytest.raises(ActivationError, match="Another steward"):
        activation_approve(activation=pending, approver=steward)
    assert ActivationRequest.objects.get(pk=pending.pk).status == ActivationStatus.PENDING


def test_the_database_refuses_an_approval_by_the_starter_too(pending, steward):
    with pytest.raises(IntegrityError):
        ActivationRequest.objects.filter(pk=pending.pk).update(
            status=ActivationStatus.APPROVED, decided_by=steward
        )


def test_family_and_the_subject_cannot_approve(memorial, pending, family):
    for person in (family, memorial.subject):
        with pytest.raises(ActivationError):
            activation_approve(activation=pending, approver=person)


def test_nobody_approves_during_the_notice_period(memorial, steward, second_steward, steward_key):
    now = timezone.now()
    activation = activation_start(
        memorial=memorial,
        steward=steward,
        key=steward_key,
        certificate=certificate_upload(),
        now=now,
    )
    with pytest.raises(ActivationError, match="can be approved from"):
        activation_approve(
            activation=activation, approver=second_steward, now=now + timedelta(hours=71)
        )
    activation_approve(
        activation=activation, approver=second_steward, now=now + timedelta(hours=72)
    )
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.ACTIVE


def test_the_notice_period_is_told_in_the_approvers_own_time_zone(
    memorial, steward, second_steward, steward_key
):
    now = timezone.now()
    activation = activation_start(
        memorial=memorial, steward=steward, key=steward_key, certificate=certificate_upload(),
        now=now,
    )  # fmt: skip
    # given the second steward's page is in Auckland's time (as the middleware sets it)
    auckland = zoneinfo.ZoneInfo("Pacific/Auckland")
    with timezone.override(auckland), pytest.raises(ActivationError) as refused:
        activation_approve(activation=activation, approver=second_steward, now=now)
    there = activation.approvable_at.astimezone(auckland)
    assert f"approved from {there:%-d %B %Y, %H:%M} NZ" in str(refused.value)  # NZST or NZDT


def test_a_sealed_memorial_is_activated_too(memorial, pending, second_steward):
    memorial.state = MemorialState.SEALED
    memorial.save()
    activation_approve(activation=pending, approver=second_steward)
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.ACTIVE


def test_staff_approve_where_there_is_only_one_steward(
    memorial, pending, django_capture_on_commit_callbacks
):
    staff = UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        activation = activation_approve_as_staff(activation=pending, staff_user=staff)
    assert activation.status == ActivationStatus.APPROVED and activation.decided_as_staff
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.ACTIVE
    event = audit_events_for(memorial_id=memorial.id)[0]
    assert (event.action, event.data["by"]) == ("activation.approved", "staff")


def test_staff_do_not_approve_where_a_second_steward_exists(memorial, pending, second_steward):
    with pytest.raises(ActivationError, match="other stewards"):
        activation_approve_as_staff(activation=pending, staff_user=UserFactory(is_staff=True))
    with pytest.raises(ActivationError, match="staff"):
        activation_approve_as_staff(activation=pending, staff_user=UserFactory())


def test_a_second_steward_may_refuse_and_the_certificate_is_deleted(
    memorial, pending, second_steward, steward, media_root, django_capture_on_commit_callbacks
):
    path = Path(media_root) / pending.certificate_path
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        activation = activation_reject(activation=pending, actor=second_steward)
    assert activation.status == ActivationStatus.REJECTED
    assert not path.exists()
    assert mail.outbox[-1].to == [steward.email]
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.PRESERVING
    assert "activation.rejected" in actions(memorial)


def test_a_decided_activation_cannot_be_decided_again(memorial, pending, second_steward):
    activation_approve(activation=pending, approver=second_steward)
    with pytest.raises(ActivationError, match="no longer waiting"):
        activation_reject(activation=pending, actor=second_steward)


# --- the subject cancels ---------------------------------------------------------------


def test_the_subject_cancels_and_nothing_changes(
    memorial, pending, steward, second_steward, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        activation = activation_cancel(activation=pending, actor=memorial.subject)
    assert activation.status == ActivationStatus.CANCELLED
    assert not (Path(media_root) / pending.certificate_path).exists()
    with pytest.raises(ActivationError, match="no longer waiting"):
        activation_approve(activation=pending, approver=second_steward)
    memorial.refresh_from_db()
    assert memorial.state == MemorialState.PRESERVING
    assert {steward.email, second_steward.email} <= {m.to[0] for m in mail.outbox}
    event = audit_events_for(memorial_id=memorial.id)[0]
    assert (event.action, event.data["by"]) == ("activation.cancelled", "subject")


def test_only_the_subject_or_the_starter_can_cancel(memorial, pending, second_steward, family):
    for person in (second_steward, family):
        with pytest.raises(ActivationError):
            activation_cancel(activation=pending, actor=person)
    activation_cancel(activation=pending, actor=pending.started_by)
    assert ActivationRequest.objects.get(pk=pending.pk).status == ActivationStatus.CANCELLED


def test_a_closed_memorial_cannot_be_activated(steward_key, steward):
    memorial = ActivationKey.objects.get(steward=steward).memorial
    memorial.state = MemorialState.CLOSED
    memorial.save()
    with pytest.raises(ActivationError, match="closed"):
        activation_start(
            memorial=memorial, steward=steward, key=steward_key, certificate=certificate_upload()
        )


def test_audit_data_holds_no_key_and_no_certificate(memorial, pending, steward_key):
    for event in audit_events_for(memorial_id=memorial.id):
        text = str(event.data)
        assert steward_key not in text and "certificate of death" not in text


def test_memberships_of_another_memorial_do_not_count(pending):
    other_steward = MembershipFactory(memorial=MemorialFactory(), role=Role.STEWARD).user
    with pytest.raises(ActivationError):
        activation_approve(activation=pending, approver=other_steward)
