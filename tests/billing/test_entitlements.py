"""The one entitlement check: the plan in effect (subscription, grace, lapse) and the use of
each kind, read from the apps' own counters."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing.entitlements import allowance_notice_due, plan_effective
from billing.models import AllowanceNotice, SubscriptionStatus
from billing.overview import Reader, plan_overview
from conversations.services.usage import usage_add
from core.allowances import AllowanceExceeded, AllowanceKind, allowance_check, allowance_spent
from core.consent import ConsentScope
from corpus.models import Upload
from corpus.services.uploads import upload_create
from memorials.models import Role
from memorials.services import InvitationError, invitation_create
from tests.billing.factories import plan_with, subscribe
from tests.consent.factories import grant_consent
from tests.memorials.factories import InvitationFactory, MembershipFactory, MemorialFactory

pytestmark = pytest.mark.django_db


def check(memorial, kind, amount=1):
    return allowance_check(memorial_id=memorial.id, kind=kind, amount=amount)


def test_a_memorial_without_subscription_is_on_the_free_plan():
    memorial = MemorialFactory()

    family = check(memorial, AllowanceKind.FAMILY_MESSAGES)
    preview = check(memorial, AllowanceKind.PREVIEW_MESSAGES)

    assert plan_effective(memorial.id).code == "free"
    assert not family.allowed and family.quota == 0
    assert "does not include family messages" in family.reason
    assert preview.allowed and (preview.quota, preview.left) == (30, 30)


def test_the_plan_holds_while_active_and_in_grace_then_falls_back_to_free():
    memorial = MemorialFactory()
    sub = subscribe(memorial, "preserve")
    assert check(memorial, AllowanceKind.FAMILY_MESSAGES).quota == 1000

    sub.status, sub.grace_until = SubscriptionStatus.PAST_DUE, timezone.now() + timedelta(days=3)
    sub.save()
    assert check(memorial, AllowanceKind.FAMILY_MESSAGES).allowed

    sub.grace_until = timezone.now() - timedelta(seconds=1)
    sub.save()
    lapsed = check(memorial, AllowanceKind.FAMILY_MESSAGES)
    assert not lapsed.allowed and lapsed.plan_name == "Free"
    assert "payment is outstanding" in lapsed.reason and "Nothing has been deleted" in lapsed.reason

    sub.status = SubscriptionStatus.CANCELED
    sub.save()
    assert plan_effective(memorial.id).code == "free"


def test_family_and_preview_messages_are_counted_apart_this_month():
    memorial = MemorialFactory()
    subscribe(memorial, "preserve")
    family = MembershipFactory(memorial=memorial, role=Role.FAMILY).user
    usage_add(memorial_id=memorial.id, visitor_id=family.pk, messages=7)
    usage_add(memorial_id=memorial.id, visitor_id=memorial.subject.pk, messages=3)
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    usage_add(memorial_id=memorial.id, visitor_id=family.pk, messages=500, day=last_month)

    assert check(memorial, AllowanceKind.FAMILY_MESSAGES).used == 7
    assert check(memorial, AllowanceKind.PREVIEW_MESSAGES).used == 3


def test_spoken_minutes_members_and_writing_are_counted():
    memorial = MemorialFactory()
    subscribe(memorial, plan_with("small", voice_minutes=10, family_members=2, corpus_mb=5))
    visitor = MembershipFactory(memorial=memorial, role=Role.FAMILY).user
    usage_add(memorial_id=memorial.id, visitor_id=visitor.pk, spoken_seconds=61)
    InvitationFactory(memorial=memorial, role=Role.FAMILY)
    Upload.objects.create(
        memorial=memorial, name_encrypted=b"x", size=3 * 1024**2 + 1, sha256="a", path="p",
        outcomes_encrypted=b"x",
    )  # fmt: skip

    assert check(memorial, AllowanceKind.VOICE_MINUTES).used == 2  # 61 s, rounded up
    members = check(memorial, AllowanceKind.FAMILY_MEMBERS)
    assert (members.used, members.allowed) == (2, False)  # one member, one invitation open
    assert check(memorial, AllowanceKind.CORPUS_MB).used == 4
    assert not check(memorial, AllowanceKind.CORPUS_MB, amount=2).allowed
    assert not check(memorial, AllowanceKind.VOICE_CLONE).allowed  # not listed: not included


def test_the_check_is_cheap(django_assert_max_num_queries):
    memorial = MemorialFactory()
    subscribe(memorial, "preserve")

    with django_assert_max_num_queries(3):
        check(memorial, AllowanceKind.FAMILY_MESSAGES)


def test_the_payer_is_told_once_at_80_percent_and_once_when_all_is_used(
    mailoutbox, django_capture_on_commit_callbacks
):
    memorial = MemorialFactory()
    subscribe(memorial, plan_with("tiny", family_messages=10))
    visitor = MembershipFactory(memorial=memorial, role=Role.FAMILY).user

    told = []
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(10):
            usage_add(memorial_id=memorial.id, visitor_id=visitor.pk, messages=1)
            told.append(
                allowance_spent(memorial_id=memorial.id, kind=AllowanceKind.FAMILY_MESSAGES)
            )

    levels = list(AllowanceNotice.objects.values_list("level", flat=True).order_by("level"))
    assert levels == [80, 100]
    assert [m.to for m in mailoutbox] == [[memorial.subject.email]] * 2
    assert "80 %" in mailoutbox[0].subject
    assert told[-1].left == 0
    again = check(memorial, AllowanceKind.FAMILY_MESSAGES, amount=0)
    assert allowance_notice_due(memorial_id=memorial.id, allowance=again) is None  # told once


def test_an_invitation_past_the_plans_family_members_is_refused_in_words():
    memorial = MemorialFactory()
    subscribe(memorial, plan_with("one", family_members=1))
    MembershipFactory(memorial=memorial, role=Role.FAMILY)

    with pytest.raises(InvitationError, match="allows 1"):
        invitation_create(
            memorial=memorial, invited_by=memorial.subject, email="new@example.org",
            role=Role.FAMILY, base_url="http://testserver/",
        )  # fmt: skip


def test_an_upload_past_the_plans_room_is_refused_and_nothing_is_stored():
    memorial = MemorialFactory()
    subscribe(memorial, plan_with("small", corpus_mb=1))
    grant_consent(memorial, ConsentScope.CORPUS)
    big = SimpleUploadedFile("letters.txt", b"a" * (2 * 1024**2))

    with pytest.raises(AllowanceExceeded, match="allows 1"):
        upload_create(memorial_id=memorial.id, file=big)

    assert not Upload.objects.filter(memorial=memorial).exists()


def test_monthly_allowances_count_per_calendar_month_in_the_check_the_meters_and_notices():
    # given: a yearly plan that began mid-month, used last month and this month
    memorial = MemorialFactory()
    first = timezone.localdate().replace(day=1)
    began = timezone.now() - timedelta(days=45)
    subscribe(memorial, plan_with("small", family_messages=10), period_start=began)
    family = MembershipFactory(memorial=memorial, role=Role.FAMILY).user
    usage_add(memorial_id=memorial.id, visitor_id=family.pk, messages=10, day=first - timedelta(1))
    AllowanceNotice.objects.create(
        memorial=memorial,
        kind=AllowanceKind.FAMILY_MESSAGES,
        period=(first - timedelta(days=1)).replace(day=1),
        level=100,
    )
    usage_add(memorial_id=memorial.id, visitor_id=family.pk, messages=8)

    # then: only this calendar month counts, whatever day the subscription's period began
    allowance = check(memorial, AllowanceKind.FAMILY_MESSAGES)
    reader = Reader(is_subject=True, subject_name=memorial.name)
    overview = plan_overview(memorial.id, reader=reader)
    (meter,) = [m for m in overview.meters if m.kind == AllowanceKind.FAMILY_MESSAGES]
    assert (allowance.used, allowance.left, meter.used) == (8, 2, 8)
    assert overview.notices == []  # last month's "all used" is not this month's
    assert allowance_notice_due(memorial_id=memorial.id, allowance=allowance) == 80
    assert AllowanceNotice.objects.filter(period=first, level=80).count() == 1

    # and: at the limit, the reason names the 1st of next month
    usage_add(memorial_id=memorial.id, visitor_id=family.pk, messages=2)
    refused = check(memorial, AllowanceKind.FAMILY_MESSAGES)
    restart = (first + timedelta(days=32)).replace(day=1)
    assert not refused.allowed
    assert f"It starts again on {restart:%-d %B}" in refused.reason
