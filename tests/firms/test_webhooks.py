"""Firm webhooks: signed (and a tampered signature fails verification), delivered to a local
fake receiver, retried on a 500 and given up after N attempts, endpoints on private addresses
refused, and the client events that make deliveries."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

import firms.webhooks
from consent.models import ConsentRecord
from consent.selectors import consent_document_latest
from consent.services import consent_sign
from core.consent import ConsentScope
from core.models import AuditEvent
from firms.models import FirmRole, FirmWebhookDelivery, FirmWebhookEndpoint, WebhookEventKind
from firms.signals import client_detached, client_joined
from firms.webhook_tasks import webhook_deliver_task, webhook_deliveries_resume_task
from firms.webhooks import (
    WebhookDeliveryFailed,
    WebhookError,
    webhook_deliver,
    webhook_deliveries_resume,
    webhook_endpoint_add,
    webhook_endpoint_remove,
    webhook_event_emit,
    webhook_retry_delay_s,
    webhook_signature,
    webhook_signature_verify,
    webhook_url_check,
)
from memorials.activation.approvals import activation_approve
from memorials.activation.keys import activation_key_issue
from memorials.activation.requests import activation_start
from memorials.models import Role
from tests.consent.factories import consent_documents_install
from tests.firms.factories import client_make, firm_make, staff_make
from tests.memorials.conftest import certificate_upload
from tests.memorials.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@dataclass
class Receiver:
    """A firm's webhook receiver on 127.0.0.1: answers each POST with the next status of
    `statuses` (the last one from then on) and keeps what it was sent."""

    url: str = ""
    statuses: list[int] = field(default_factory=lambda: [200])
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = state.statuses.pop(0) if len(state.statuses) > 1 else state.statuses[0]
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/legacy"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def consent_documents():
    consent_documents_install()


@pytest.fixture
def allow_private(settings):
    settings.LEGACY_FIRM_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def owner():
    return staff_make(firm=firm_make(), role=FirmRole.OWNER)


@pytest.fixture
def endpoint(owner, receiver, allow_private):
    endpoint, _ = webhook_endpoint_add(
        firm=owner.firm, actor=owner.user, url=receiver.url, kinds=[]
    )
    return endpoint


# --- signing ---------------------------------------------------------------------------


def test_a_signature_verifies_and_any_tampering_fails():
    body = b'{"event":"client.joined","client":{"id":"c1"}}'
    header = webhook_signature(secret="whsec_a", body=body, at=1_800_000_000)
    assert header.startswith("t=1800000000,v1=")
    now = 1_800_000_010
    assert webhook_signature_verify(secret="whsec_a", body=body, header=header, now=now)
    # a changed body, another secret, a changed mac, a changed time: all refused
    assert not webhook_signature_verify(
        secret="whsec_a", body=body.replace(b"c1", b"c2"), header=header, now=now
    )
    assert not webhook_signature_verify(secret="whsec_b", body=body, header=header, now=now)
    tampered = header[:-1] + ("0" if header[-1] != "0" else "1")
    assert not webhook_signature_verify(secret="whsec_a", body=body, header=tampered, now=now)
    moved = header.replace("t=1800000000", "t=1800000005")
    assert not webhook_signature_verify(secret="whsec_a", body=body, header=moved, now=now)
    assert not webhook_signature_verify(secret="whsec_a", body=body, header="nonsense", now=now)


def test_an_old_signature_is_refused_as_a_replay():
    body = b"{}"
    header = webhook_signature(secret="s", body=body, at=1_800_000_000)
    assert webhook_signature_verify(secret="s", body=body, header=header, now=1_800_000_299)
    assert not webhook_signature_verify(secret="s", body=body, header=header, now=1_800_000_301)


# --- endpoints -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/hook", "https://localhost/hook", "http://10.1.2.3/x", "http://[::1]/"],
)
def test_private_and_loopback_addresses_are_refused_unless_allowed(url, settings):
    settings.LEGACY_FIRM_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(WebhookError, match="private or local"):
        webhook_url_check(url)
    settings.LEGACY_FIRM_WEBHOOK_ALLOW_PRIVATE = True
    assert webhook_url_check(url) == url


def test_a_url_that_is_not_http_is_refused(allow_private):
    with pytest.raises(WebhookError, match="https://"):
        webhook_url_check("ftp://example.org/hook")


def test_adding_and_removing_an_endpoint_is_audited_and_the_secret_kept_to_sign(
    owner, receiver, allow_private
):
    endpoint, secret = webhook_endpoint_add(
        firm=owner.firm, actor=owner.user, url=receiver.url, kinds=[WebhookEventKind.CLIENT_JOINED]
    )
    assert secret.startswith("whsec_") and endpoint.secret == secret
    webhook_endpoint_remove(firm=owner.firm, actor=owner.user, endpoint_id=endpoint.pk)
    webhook_endpoint_remove(firm=owner.firm, actor=owner.user, endpoint_id=endpoint.pk)
    actions = list(
        AuditEvent.objects.filter(action__startswith="firm.webhook").values_list(
            "action", flat=True
        )
    )
    assert actions == ["firm.webhook_added", "firm.webhook_removed"]


# --- delivering ------------------------------------------------------------------------


def test_a_delivery_is_signed_so_the_receiver_can_verify_it(owner, endpoint, receiver):
    client = client_make(firm=owner.firm, external_ref="PX-9")
    (delivery,) = webhook_event_emit(client=client, kind=WebhookEventKind.CLIENT_JOINED)
    assert webhook_deliver(delivery_id=delivery.id) == "delivered"
    headers, body = receiver.received[0]
    assert webhook_signature_verify(
        secret=endpoint.secret, body=body, header=headers["x-legacy-signature"]
    )
    assert not webhook_signature_verify(
        secret=endpoint.secret, body=body + b" ", header=headers["x-legacy-signature"]
    )
    assert headers["x-legacy-event"] == "client.joined"
    assert headers["x-legacy-delivery"] == str(delivery.id)
    payload = json.loads(body)
    assert payload["client"] == {"id": str(client.id), "external_ref": "PX-9", "stage": "invited"}
    delivery.refresh_from_db()
    assert delivery.delivered_at and delivery.attempts == 1 and delivery.last_status == 200
    # delivered once only: a repeat of the task sends nothing
    assert webhook_deliver(delivery_id=delivery.id) == "done"
    assert len(receiver.received) == 1


def test_a_500_is_retried_with_the_task_until_delivered(owner, endpoint, receiver):
    receiver.statuses = [500, 500, 200]
    (delivery,) = webhook_event_emit(
        client=client_make(firm=owner.firm), kind=WebhookEventKind.CLIENT_JOINED
    )
    webhook_deliver_task.apply(kwargs={"delivery_id": str(delivery.id)})
    delivery.refresh_from_db()
    assert delivery.delivered_at is not None and delivery.attempts == 3
    assert len(receiver.received) == 3
    # the same delivery id and a fresh signature on each attempt
    assert {headers["x-legacy-delivery"] for headers, _ in receiver.received} == {str(delivery.id)}


def test_a_delivery_is_given_up_after_n_attempts_and_shown_on_the_page(
    client, owner, endpoint, receiver, settings
):
    settings.LEGACY_FIRM_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.statuses = [500]
    (delivery,) = webhook_event_emit(
        client=client_make(firm=owner.firm), kind=WebhookEventKind.CLIENT_JOINED
    )
    with pytest.raises(WebhookDeliveryFailed):
        webhook_deliver(delivery_id=delivery.id)
    webhook_deliver_task.apply(kwargs={"delivery_id": str(delivery.id)})
    delivery.refresh_from_db()
    assert delivery.given_up_at is not None and delivery.delivered_at is None
    assert delivery.attempts == 3 and delivery.last_status == 500
    assert len(receiver.received) == 3
    assert webhook_deliver(delivery_id=delivery.id) == "done"
    client.force_login(owner.user)
    page = client.get(f"/firms/{owner.firm.slug}/api/").content.decode()
    assert "Given up" in page and "after 3 attempts" in page


def test_an_unreachable_endpoint_counts_as_a_failed_attempt(owner, allow_private):
    webhook_endpoint_add(
        firm=owner.firm, actor=owner.user, url="http://127.0.0.1:9/nothing-listens", kinds=[]
    )
    (delivery,) = webhook_event_emit(
        client=client_make(firm=owner.firm), kind=WebhookEventKind.CLIENT_JOINED
    )
    with pytest.raises(WebhookDeliveryFailed):
        webhook_deliver(delivery_id=delivery.id)
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.last_status is None and delivery.last_error


def test_a_removed_endpoint_is_not_sent_to(owner, endpoint, receiver):
    (delivery,) = webhook_event_emit(
        client=client_make(firm=owner.firm), kind=WebhookEventKind.CLIENT_JOINED
    )
    webhook_endpoint_remove(firm=owner.firm, actor=owner.user, endpoint_id=endpoint.pk)
    assert webhook_deliver(delivery_id=delivery.id) == "given_up"
    assert receiver.received == []
    assert (
        webhook_event_emit(client=client_make(firm=owner.firm), kind=WebhookEventKind.CLIENT_JOINED)
        == []
    )


# --- events ----------------------------------------------------------------------------


def test_an_endpoint_gets_only_the_kinds_it_chose(owner, receiver, allow_private):
    webhook_endpoint_add(
        firm=owner.firm,
        actor=owner.user,
        url=receiver.url,
        kinds=[WebhookEventKind.CLIENT_DETACHED],
    )
    client = client_make(firm=owner.firm)
    assert webhook_event_emit(client=client, kind=WebhookEventKind.CLIENT_JOINED) == []
    assert len(webhook_event_emit(client=client, kind=WebhookEventKind.CLIENT_DETACHED)) == 1


def test_client_joined_and_detached_signals_make_deliveries(owner, endpoint):
    client = client_make(firm=owner.firm)
    client_joined.send(sender=None, client=client)
    client_detached.send(sender=None, client=client, reason="client_left")
    kinds = sorted(FirmWebhookDelivery.objects.values_list("kind", flat=True))
    assert kinds == ["client.detached", "client.joined"]
    detached = FirmWebhookDelivery.objects.get(kind="client.detached")
    assert detached.payload["data"] == {"reason": "client_left"}


def test_a_client_signing_a_consent_tells_the_firm_scope_only(
    owner, endpoint, consent_documents, django_capture_on_commit_callbacks
):
    client = client_make(firm=owner.firm, joined=True)
    memorial = client.memorial
    with django_capture_on_commit_callbacks(execute=True):
        consent_sign(
            user=memorial.subject,
            memorial_id=memorial.id,
            scope=ConsentScope.CORPUS,
            document_sha256=consent_document_latest(scope=ConsentScope.CORPUS).sha256,
            typed_name=memorial.name,
            method=ConsentRecord.Method.PASSWORD,
        )
    delivery = FirmWebhookDelivery.objects.get(kind=WebhookEventKind.CONSENT_SIGNED)
    assert delivery.payload["data"] == {"scope": ConsentScope.CORPUS.value}
    assert delivery.payload["client"]["id"] == str(client.id)
    assert memorial.name not in json.dumps(delivery.payload)


def test_activation_requested_and_approved_tell_the_firm(
    owner, endpoint, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ACTIVATION_NOTICE_HOURS = 0
    memorial = client_make(firm=owner.firm, joined=True).memorial
    steward = MembershipFactory(memorial=memorial, role=Role.STEWARD).user
    second = MembershipFactory(memorial=memorial, role=Role.STEWARD).user
    key = activation_key_issue(memorial=memorial, steward=steward)
    with django_capture_on_commit_callbacks(execute=True):
        activation = activation_start(
            memorial=memorial, steward=steward, key=key, certificate=certificate_upload()
        )
    with django_capture_on_commit_callbacks(execute=True):
        activation_approve(activation=activation, approver=second)
    kinds = list(FirmWebhookDelivery.objects.order_by("created_at").values_list("kind", flat=True))
    assert kinds == ["client.activation_requested", "client.activation_approved"]
    assert all(
        row.payload["data"] == {"activation": str(activation.id)}
        for row in FirmWebhookDelivery.objects.all()
    )


def test_a_firm_without_endpoints_makes_no_deliveries(owner):
    assert (
        webhook_event_emit(client=client_make(firm=owner.firm), kind=WebhookEventKind.CLIENT_JOINED)
        == []
    )
    assert not FirmWebhookEndpoint.objects.exists()


# --- no lock across the request; lost tasks queued again ---------------------------------


def _lock_from_another_connection(delivery_id) -> tuple[bool, object]:
    """Whether another database connection can lock the delivery's row at once (NOWAIT), and
    the claim it sees."""
    result: dict[str, object] = {}

    def work() -> None:
        try:
            with transaction.atomic():
                row = FirmWebhookDelivery.objects.select_for_update(nowait=True).get(pk=delivery_id)
                result["claimed_until"] = row.claimed_until
            result["locked"] = True
        except DatabaseError:
            result["locked"] = False
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(10)
    return bool(result.get("locked")), result.get("claimed_until")


@pytest.mark.django_db(transaction=True)
def test_no_row_lock_is_held_during_the_http_call_and_a_second_run_waits(
    owner, endpoint, monkeypatch
):
    # given a delivery, and an endpoint that, while it is being called, has another worker
    # look at the row and try to deliver it too
    (delivery,) = webhook_event_emit(
        client=client_make(firm=owner.firm), kind=WebhookEventKind.CLIENT_JOINED
    )
    seen: dict[str, object] = {}

    def attempt(delivery):
        seen["lock"] = _lock_from_another_connection(delivery.id)
        seen["second_run"] = webhook_deliver(delivery_id=delivery.id)
        return 200, ""

    monkeypatch.setattr(firms.webhooks, "_attempt", attempt)
    # when it is delivered
    assert webhook_deliver(delivery_id=delivery.id) == "delivered"
    # then the row could be locked by others during the call: it was only claimed
    locked, claimed_until = seen["lock"]
    assert locked and claimed_until is not None
    # and a second run during the call did not attempt it
    assert seen["second_run"] == "in_flight"
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.claimed_until is None


def test_a_failed_attempt_says_when_it_is_next_due(owner, endpoint, receiver):
    receiver.statuses = [500]
    (delivery,) = webhook_event_emit(
        client=client_make(firm=owner.firm), kind=WebhookEventKind.CLIENT_JOINED
    )
    before = timezone.now()
    with pytest.raises(WebhookDeliveryFailed) as failed:
        webhook_deliver(delivery_id=delivery.id)
    assert failed.value.retry_in_s == webhook_retry_delay_s(attempts=1) == 30
    delivery.refresh_from_db()
    assert delivery.next_attempt_at >= before + timedelta(seconds=30)
    assert webhook_retry_delay_s(attempts=3) == 120 and webhook_retry_delay_s(attempts=20) == 3600


def test_the_sweep_queues_again_only_deliveries_whose_task_was_lost(
    owner, endpoint, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    # given deliveries: one lost (due long ago), one due just now (its task still queued),
    # one being attempted and one delivered
    client = client_make(firm=owner.firm)
    lost, _due_now, in_flight, delivered = (
        webhook_event_emit(client=client, kind=WebhookEventKind.CLIENT_JOINED)[0] for _ in range(4)
    )
    long_ago = timezone.now() - timedelta(hours=1)
    FirmWebhookDelivery.objects.filter(pk__in=[lost.pk, in_flight.pk, delivered.pk]).update(
        next_attempt_at=long_ago
    )
    FirmWebhookDelivery.objects.filter(pk=in_flight.pk).update(
        claimed_until=timezone.now() + timedelta(seconds=60)
    )
    FirmWebhookDelivery.objects.filter(pk=delivered.pk).update(delivered_at=timezone.now())
    queued: list[str] = []
    monkeypatch.setattr(
        firms.webhooks.current_app,
        "send_task",
        lambda name, kwargs: queued.append(kwargs["delivery_id"]),
    )
    # when the beat sweep runs
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_deliveries_resume_task.apply().get() == 1
    # then only the lost one is queued, and not again at once on the next sweep
    assert queued == [str(lost.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_deliveries_resume() == 0
    # and once queued again, it is delivered as any other
    assert webhook_deliver(delivery_id=lost.pk) == "delivered"
    assert len(receiver.received) == 1
    assert "firms-webhook-deliveries-resume" in settings.CELERY_BEAT_SCHEDULE
