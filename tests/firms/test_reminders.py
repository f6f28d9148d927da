import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.audit import memorial_ref
from core.consent import ConsentScope
from core.models import AuditEvent
from firms.models import ClientStage, FirmClient, FirmRole
from firms.reminders import (
    SKIP_ACTIVE,
    SKIP_DETACHED,
    SKIP_NOT_JOINED,
    SKIP_NOTHING,
    SKIP_RECENT,
    reminder_skip_reason,
    reminders_send,
    reminders_start,
)
from firms.tasks import firm_reminders_send_task
from tests.firms.factories import client_make, firm_make, staff_make

pytestmark = pytest.mark.django_db

ALL_SIGNED = [
    ConsentScope.CORPUS,
    ConsentScope.CONVERSATION_LIVING,
    ConsentScope.CONVERSATION_POSTHUMOUS,
]


@pytest.fixture
def firm():
    return firm_make(name="Hart & Vale", sender_name="Hart & Vale")


@pytest.fixture
def advisor(firm):
    return staff_make(firm=firm, role=FirmRole.ADVISOR)


@pytest.fixture
def signed_in(client, advisor):
    client.force_login(advisor.user)
    return client


def reminders_url(firm):
    return reverse("firms:reminders", kwargs={"slug": firm.slug})


def test_who_qualifies_is_read_from_the_status_columns(firm):
    now = timezone.now()
    joined = client_make(firm=firm, joined=True)
    assert reminder_skip_reason(client=joined, now=now) is None  # nothing signed, no writing
    joined.consents_signed = ALL_SIGNED
    assert reminder_skip_reason(client=joined, now=now) is None  # still no writing
    joined.documents_count = 3
    assert reminder_skip_reason(client=joined, now=now) == SKIP_NOTHING
    joined.consents_signed = [ConsentScope.CORPUS]
    assert reminder_skip_reason(client=joined, now=now) is None  # consents left to sign
    joined.last_reminded_at = now - timedelta(days=6)
    assert reminder_skip_reason(client=joined, now=now) == SKIP_RECENT
    joined.last_reminded_at = now - timedelta(days=8)
    assert reminder_skip_reason(client=joined, now=now) is None
    joined.stage = ClientStage.ACTIVE
    assert reminder_skip_reason(client=joined, now=now) == SKIP_ACTIVE
    invited = client_make(firm=firm)
    assert reminder_skip_reason(client=invited, now=now) == SKIP_NOT_JOINED
    invited.detached_at = now
    assert reminder_skip_reason(client=invited, now=now) == SKIP_DETACHED


def test_the_interval_follows_the_setting(firm, settings):
    settings.FIRM_REMINDER_INTERVAL_DAYS = 30
    client = client_make(
        firm=firm, joined=True, last_reminded_at=timezone.now() - timedelta(days=20)
    )
    assert reminder_skip_reason(client=client, now=timezone.now()) == SKIP_RECENT


def test_the_confirmation_counts_who_is_mailed_and_who_is_skipped_and_sends_nothing(
    signed_in, firm
):
    # given: two to remind, one reminded yesterday, one not joined, one with nothing missing
    due = [client_make(firm=firm, joined=True) for _ in range(2)]
    recent = client_make(firm=firm, joined=True, last_reminded_at=timezone.now())
    invited = client_make(firm=firm)
    done = client_make(firm=firm, joined=True, consents_signed=ALL_SIGNED, documents_count=1)
    chosen = [str(c.id) for c in (*due, recent, invited, done)]
    # when
    response = signed_in.post(reminders_url(firm), {"scope": "selected", "client": chosen})
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 clients</strong> will get a personal reminder" in html
    assert "3 will not be mailed" in html
    assert "1 were reminded in the last 7 days" in html
    assert "1 have not accepted the invitation yet" in html
    assert "1 have signed their consents and added writing" in html
    assert len(mail.outbox) == 0
    assert not FirmClient.objects.filter(last_reminded_at__isnull=False).exclude(pk=recent.pk)


def test_confirmed_reminders_are_mailed_in_the_firms_name_and_audited(
    signed_in, firm, advisor, django_capture_on_commit_callbacks
):
    # given
    ada = client_make(firm=firm, name="Ada", joined=True, consents_signed=[ConsentScope.CORPUS])
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            reminders_url(firm),
            {
                "scope": "selected",
                "client": [str(ada.id)],
                "confirm": "yes",
                "filters": "stage=joined",
            },
        )
    # then
    assert response.status_code == 302
    assert response["Location"].endswith("?stage=joined")
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [ada.email]
    assert "Hart & Vale" in sent.subject
    assert "Conversations while you live" in sent.body
    assert "not added any writing yet" in sent.body
    ada.refresh_from_db()
    assert ada.last_reminded_at is not None
    event = AuditEvent.objects.get(action="firm.client_reminded")
    assert event.memorial_ref == memorial_ref(ada.memorial_id)  # in the client's log too
    assert event.actor_ref == str(advisor.user.pk)
    assert event.data["client"] == str(ada.id)
    summary = AuditEvent.objects.get(action="firm.reminders_sent")
    assert summary.data["sent"] == 1
    assert summary.data["firm"] == str(firm.id)


def test_no_client_is_reminded_twice_within_the_interval(
    signed_in, firm, django_capture_on_commit_callbacks
):
    ada = client_make(firm=firm, joined=True)
    form = {"scope": "selected", "client": [str(ada.id)], "confirm": "yes"}
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reminders_url(firm), form)
        signed_in.post(reminders_url(firm), form)
    assert len(mail.outbox) == 1


def test_all_matching_the_filter_goes_through_the_task_when_many(
    signed_in, firm, advisor, settings, django_capture_on_commit_callbacks, monkeypatch
):
    # given: more clients than are sent inline, two of another advisor's
    settings.FIRM_REMINDERS_INLINE_MAX = 2
    mine = [client_make(firm=firm, joined=True, advisor=advisor) for _ in range(3)]
    others = [client_make(firm=firm, joined=True) for _ in range(2)]
    queued = []
    monkeypatch.setattr(
        "firms.reminders.current_app.send_task",
        lambda name, kwargs: queued.append((name, kwargs)),
    )
    form = {"scope": "all", "filters": f"advisor={advisor.pk}"}
    # when: the confirmation, then the confirmed post
    confirm = signed_in.post(reminders_url(firm), form)
    assert "3 clients</strong> will get" in confirm.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(reminders_url(firm), {**form, "confirm": "yes"})
    # then: queued by name with the ids, nothing sent yet
    [(name, kwargs)] = queued
    assert name == "firms.tasks.firm_reminders_send_task"
    assert sorted(kwargs["client_ids"]) == sorted(str(c.id) for c in mine)
    assert len(mail.outbox) == 0
    # and the task sends them (and skips all of them when run again)
    with django_capture_on_commit_callbacks(execute=True):
        assert firm_reminders_send_task(**kwargs) == {"sent": 3, "skipped": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(c.email for c in mine)
    with django_capture_on_commit_callbacks(execute=True):
        assert firm_reminders_send_task(**kwargs) == {"sent": 0, "skipped": 3}
    assert all(
        c.last_reminded_at is None for c in FirmClient.objects.filter(pk__in=[o.pk for o in others])
    )


def test_other_firms_clients_and_removed_staff_send_nothing(
    signed_in, firm, advisor, django_capture_on_commit_callbacks
):
    theirs = client_make(firm=firm_make(), joined=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            reminders_url(firm),
            {"scope": "selected", "client": [str(theirs.id), "bad"], "confirm": "yes"},
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 0
    mine = client_make(firm=firm, joined=True)
    advisor.removed_at = timezone.now()
    advisor.save()
    assert reminders_send(staff=advisor, client_ids=[str(mine.id)]) == (0, 0)
    assert signed_in.post(reminders_url(firm), {"scope": "all"}).status_code == 404


def test_reminders_need_a_post(signed_in, firm):
    assert signed_in.get(reminders_url(firm)).status_code == 405


@pytest.mark.worker
@pytest.mark.slow
def test_many_reminders_are_sent_by_a_real_worker(celery_worker_process, settings):
    # given: more clients than are sent inline
    settings.FIRM_REMINDERS_INLINE_MAX = 1
    firm = firm_make()
    advisor = staff_make(firm=firm)
    clients = [client_make(firm=firm, joined=True) for _ in range(3)]
    # when
    with transaction.atomic():
        done = reminders_start(staff=advisor, client_ids=[c.id for c in clients])
    # then: queued, and the worker reminds each and records the whole
    assert done.queued == 3
    deadline = time.monotonic() + 120
    while not AuditEvent.objects.filter(action="firm.reminders_sent").exists():
        assert time.monotonic() < deadline, "the worker never sent the reminders"
        time.sleep(0.2)
    assert FirmClient.objects.filter(firm=firm, last_reminded_at__isnull=False).count() == 3
    assert AuditEvent.objects.filter(action="firm.client_reminded").count() == 3
