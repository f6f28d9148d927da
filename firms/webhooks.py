"""Webhooks to a firm on its clients' events: a client joined or detached the firm, signed a
consent, an activation was requested or approved. Each event makes one `FirmWebhookDelivery`
per live endpoint of the client's firm that listens to its kind (payload: ids and states,
never content), delivered after commit by `firms.webhook_tasks.webhook_deliver_task`, retried
with exponential backoff, and given up after LEGACY_FIRM_WEBHOOK_MAX_ATTEMPTS attempts. No
row lock is held while a request is made (the delivery is claimed for the attempt instead),
and a beat sweep queues again a delivery whose task was lost (`webhook_deliveries_resume`).

Every request carries `X-Legacy-Signature: t=<unix time>,v1=<hex>`, where the hex is
HMAC-SHA256 under the endpoint's secret of `f"{t}.{body}"` (the raw body bytes). To verify
(`webhook_signature_verify` does exactly this): split the header on commas into t and v1,
refuse a t more than 5 minutes from your clock (a replayed old request), compute the HMAC of
`t + "." + body` with your secret and compare it to v1 in constant time. `X-Legacy-Event`
names the kind and `X-Legacy-Delivery` the delivery's id (the same on every retry: use it to
ignore a repeat)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from consent.signals import consent_signed
from core.tasks import TransientError
from firms.models import (
    Firm,
    FirmClient,
    FirmWebhookDelivery,
    FirmWebhookEndpoint,
    WebhookEventKind,
)
from firms.signals import client_detached, client_joined
from firms.trail import firm_audit_record
from memorials.activation.signals import activation_approved, activation_requested

logger = logging.getLogger(__name__)

DELIVER_TASK = "firms.webhook_tasks.webhook_deliver_task"
SIGNATURE_HEADER = "X-Legacy-Signature"
REPLAY_WINDOW_S = 300
TIMEOUT_S = 10.0
TEST_KIND = "firm.test"
ENDPOINTS_MAX = 10
RETRY_FIRST_S = 30
RETRY_MAX_S = 3600
# An attempt's hold on its delivery: longer than the HTTP call can take (its timeout applies
# to connecting, sending and reading in turn).
CLAIM_S = 120
# The sweep leaves a due delivery this long to its own queued task before queueing it again.
RESUME_SLACK_S = 300
RESUME_BATCH = 500


class WebhookError(Exception):
    """Why an endpoint cannot be added; the message is shown as it is."""


class WebhookDeliveryFailed(TransientError):
    """The endpoint did not take the event (an error, a timeout, not a 2xx): retried in
    `retry_in_s` seconds."""

    def __init__(self, message: str, *, retry_in_s: int = 0) -> None:
        super().__init__(message)
        self.retry_in_s = retry_in_s


# Signing and verifying


def webhook_signature(*, secret: str, body: bytes, at: int) -> str:
    """The `X-Legacy-Signature` header value for `body` sent at unix time `at`."""
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def webhook_signature_verify(
    *,
    secret: str,
    body: bytes,
    header: str,
    now: float | None = None,
    tolerance_s: int = REPLAY_WINDOW_S,
) -> bool:
    """Whether `header` is a signature of `body` under `secret` made within `tolerance_s`
    of `now` (what a firm's receiver does; the module's docstring says it in words)."""
    parts: dict[str, str] = {}
    for item in (header or "").split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, value)
    try:
        at = int(parts.get("t", ""))
    except ValueError:
        return False
    now = time.time() if now is None else now
    if abs(now - at) > tolerance_s:
        return False
    expected = webhook_signature(secret=secret, body=body, at=at).partition(",v1=")[2]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# Endpoints


def webhook_url_check(url: str) -> str:
    """`url` stripped, when it is an http(s) URL whose host resolves only to public addresses
    (or LEGACY_FIRM_WEBHOOK_ALLOW_PRIVATE is on). WebhookError otherwise: a firm must not
    make Legacy call into a private network."""
    url = (url or "").strip()
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        raise WebhookError("Enter a full web address starting with https://.") from None
    host = urlsplit(url).hostname or ""
    if settings.LEGACY_FIRM_WEBHOOK_ALLOW_PRIVATE:
        return url
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        raise WebhookError(f"“{host}” cannot be found.") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global or address.is_multicast:
            raise WebhookError(
                f"“{host}” is a private or local address; webhooks go to public addresses only."
            )
    return url


def webhook_endpoint_add(
    *, firm: Firm, actor: User, url: str, kinds: list[str]
) -> tuple[FirmWebhookEndpoint, str]:
    """A new endpoint for `firm` (all kinds when `kinds` is empty). Returns the row and its
    signing secret, to show once. Audited "firm.webhook_added"."""
    url = webhook_url_check(url)
    unknown = sorted(set(kinds) - set(WebhookEventKind.values))
    if unknown:
        raise WebhookError(f"Unknown event: {', '.join(unknown)}.")
    if FirmWebhookEndpoint.objects.filter(firm=firm, disabled_at__isnull=True).count() >= (
        ENDPOINTS_MAX
    ):
        raise WebhookError(f"A firm can have {ENDPOINTS_MAX} endpoints; remove one first.")
    secret = "whsec_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        endpoint = FirmWebhookEndpoint.objects.create(
            firm=firm, url=url, secret=secret, kinds=sorted(set(kinds))
        )
        firm_audit_record(
            firm=firm,
            action="firm.webhook_added",
            actor=actor,
            data={"endpoint": endpoint.pk, "url": url, "kinds": endpoint.kinds},
        )
    return endpoint, secret


def webhook_endpoint_remove(*, firm: Firm, actor: User, endpoint_id: int) -> FirmWebhookEndpoint:
    """Stop sending to one of `firm`'s endpoints (its deliveries stay listed; those not yet
    delivered are not attempted again). Audited "firm.webhook_removed", once."""
    with transaction.atomic():
        endpoint = FirmWebhookEndpoint.objects.select_for_update().get(firm=firm, pk=endpoint_id)
        if endpoint.disabled_at is None:
            endpoint.disabled_at = timezone.now()
            endpoint.save(update_fields=["disabled_at"])
            firm_audit_record(
                firm=firm,
                action="firm.webhook_removed",
                actor=actor,
                data={"endpoint": endpoint.pk, "url": endpoint.url},
            )
    return endpoint


# Events


def _deliver_on_commit(delivery_id: uuid.UUID) -> None:
    def queue() -> None:
        try:  # by name: the task module is the one that imports this one
            current_app.send_task(DELIVER_TASK, kwargs={"delivery_id": str(delivery_id)})
        except Exception:
            logger.exception("could not queue webhook delivery %s", delivery_id)

    transaction.on_commit(queue)


def _delivery_make(
    *, endpoint: FirmWebhookEndpoint, kind: str, client: dict[str, Any] | None, data: dict
) -> FirmWebhookDelivery:
    delivery_id = uuid.uuid4()
    payload = {
        "id": str(delivery_id),
        "event": kind,
        "created_at": timezone.now().isoformat(),
        "firm": {"id": str(endpoint.firm_id)},
        "client": client,
        "data": data,
    }
    delivery = FirmWebhookDelivery.objects.create(
        id=delivery_id,
        endpoint=endpoint,
        kind=kind,
        payload=payload,
        next_attempt_at=timezone.now(),
    )
    _deliver_on_commit(delivery.id)
    return delivery


def webhook_event_emit(
    *, client: FirmClient, kind: str, data: dict[str, Any] | None = None
) -> list[FirmWebhookDelivery]:
    """One delivery of `kind` about `client` to each live endpoint of the client's firm that
    listens to it; queued once the current transaction commits. `data`: ids and states."""
    kind = WebhookEventKind(kind).value
    endpoints = [
        endpoint
        for endpoint in FirmWebhookEndpoint.objects.filter(
            firm_id=client.firm_id, disabled_at__isnull=True, firm__closed_at__isnull=True
        )
        if not endpoint.kinds or kind in endpoint.kinds
    ]
    about = {"id": str(client.id), "external_ref": client.external_ref, "stage": client.stage}
    with transaction.atomic():
        return [
            _delivery_make(endpoint=endpoint, kind=kind, client=about, data=data or {})
            for endpoint in endpoints
        ]


def webhook_test_send(*, firm: Firm, endpoint_id: int) -> FirmWebhookDelivery:
    """A test event to one of `firm`'s live endpoints, delivered like any other."""
    endpoint = FirmWebhookEndpoint.objects.get(firm=firm, pk=endpoint_id, disabled_at__isnull=True)
    with transaction.atomic():
        return _delivery_make(endpoint=endpoint, kind=TEST_KIND, client=None, data={"test": True})


# Delivering


def _body(delivery: FirmWebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()


def _attempt(delivery: FirmWebhookDelivery) -> tuple[int | None, str]:
    """POST the delivery once: (HTTP status or None, error text or "")."""
    endpoint = delivery.endpoint
    try:
        webhook_url_check(endpoint.url)  # again: where a name points can change
    except WebhookError as error:
        return None, str(error)
    body = _body(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Legacy-Webhooks/1",
        SIGNATURE_HEADER: webhook_signature(secret=endpoint.secret, body=body, at=int(time.time())),
        "X-Legacy-Event": delivery.kind,
        "X-Legacy-Delivery": str(delivery.id),
    }
    try:
        with httpx.Client(timeout=TIMEOUT_S, follow_redirects=False) as http:
            response = http.post(endpoint.url, content=body, headers=headers)
    except httpx.HTTPError as error:
        return None, f"{type(error).__name__}: {error}"[:300]
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"The endpoint answered {response.status_code}."


def webhook_retry_delay_s(*, attempts: int) -> int:
    """How long after its `attempts`-th failed attempt a delivery is tried again: 30 s,
    doubling each time, at most an hour."""
    return min(RETRY_FIRST_S * 2 ** max(attempts - 1, 0), RETRY_MAX_S)


def _claim(delivery_id: uuid.UUID | str) -> tuple[FirmWebhookDelivery | None, str]:
    """Take the delivery for one attempt (a short transaction: the row lock is released
    before the HTTP call). (the delivery, "") when this run attempts it; (None, outcome)
    when there is nothing to attempt: "done", "given_up" or "in_flight" (another run is
    attempting it now)."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            FirmWebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.delivered_at or delivery.given_up_at:
            return None, "done"
        if delivery.endpoint.disabled_at is not None:
            delivery.given_up_at = now
            delivery.last_error = "The endpoint was removed."
            delivery.save(update_fields=["given_up_at", "last_error"])
            return None, "given_up"
        if delivery.claimed_until is not None and delivery.claimed_until > now:
            return None, "in_flight"
        delivery.claimed_until = now + timedelta(seconds=CLAIM_S)
        delivery.save(update_fields=["claimed_until"])
    return delivery, ""


def webhook_deliver(*, delivery_id: uuid.UUID | str) -> str:
    """One attempt at a delivery, safe to run twice: "delivered", "given_up" (after
    LEGACY_FIRM_WEBHOOK_MAX_ATTEMPTS attempts, or its endpoint removed), "in_flight" (another
    run is attempting it) or "done" (nothing left to do). No row lock is held during the
    HTTP call: the delivery is claimed for CLAIM_S first, so no other run attempts it
    meanwhile. Raises WebhookDeliveryFailed (with `retry_in_s`) when it failed and will be
    tried again; `next_attempt_at` then says when."""
    delivery, outcome = _claim(delivery_id)
    if delivery is None:
        return outcome
    status, error = _attempt(delivery)
    now = timezone.now()
    attempts = delivery.attempts + 1
    fields: dict[str, Any] = {
        "attempts": attempts,
        "last_status": status,
        "last_error": error,
        "claimed_until": None,
    }
    retry_in_s = 0
    if not error:
        fields["delivered_at"] = now
    elif attempts >= settings.LEGACY_FIRM_WEBHOOK_MAX_ATTEMPTS:
        fields["given_up_at"] = now
    else:
        retry_in_s = webhook_retry_delay_s(attempts=attempts)
        fields["next_attempt_at"] = now + timedelta(seconds=retry_in_s)
    FirmWebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    if not error:
        return "delivered"
    if not retry_in_s:
        return "given_up"
    raise WebhookDeliveryFailed(error, retry_in_s=retry_in_s)


def webhook_deliveries_resume(*, slack_s: int = RESUME_SLACK_S) -> int:
    """Queue again each delivery whose task was lost: neither delivered nor given up, to a
    live endpoint, its next attempt due more than `slack_s` ago, and not being attempted
    now. Its next attempt is then counted from now, so a slow queue is not flooded. The
    beat sweep (`firms.webhook_tasks.webhook_deliveries_resume_task`). Returns how many."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            FirmWebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(
                delivered_at__isnull=True,
                given_up_at__isnull=True,
                endpoint__disabled_at__isnull=True,
                next_attempt_at__lte=now - timedelta(seconds=slack_s),
            )
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:RESUME_BATCH]
        )
        FirmWebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now)
        for delivery_id in ids:
            _deliver_on_commit(delivery_id)
    return len(ids)


# Receivers of the client events (connected in FirmsConfig.ready)


def _memorial_clients(memorial_id: Any) -> list[FirmClient]:
    return list(FirmClient.objects.filter(memorial_id=memorial_id, detached_at__isnull=True))


def on_client_joined(sender: Any, client: FirmClient, **kwargs: Any) -> None:
    webhook_event_emit(client=client, kind=WebhookEventKind.CLIENT_JOINED)


def on_client_detached(sender: Any, client: FirmClient, reason: str = "", **kwargs: Any) -> None:
    webhook_event_emit(
        client=client, kind=WebhookEventKind.CLIENT_DETACHED, data={"reason": reason}
    )


def on_consent_signed(sender: Any, memorial_id: Any, scope: str, **kwargs: Any) -> None:
    for client in _memorial_clients(memorial_id):
        webhook_event_emit(
            client=client, kind=WebhookEventKind.CONSENT_SIGNED, data={"scope": scope}
        )


def on_activation_requested(sender: Any, memorial_id: Any, activation: Any, **kwargs: Any) -> None:
    for client in _memorial_clients(memorial_id):
        webhook_event_emit(
            client=client,
            kind=WebhookEventKind.ACTIVATION_REQUESTED,
            data={"activation": str(activation.id)},
        )


def on_activation_approved(sender: Any, memorial_id: Any, activation: Any, **kwargs: Any) -> None:
    for client in _memorial_clients(memorial_id):
        webhook_event_emit(
            client=client,
            kind=WebhookEventKind.ACTIVATION_APPROVED,
            data={"activation": str(activation.id)},
        )


def webhook_receivers_connect() -> None:
    uid = "firms.webhooks"
    client_joined.connect(on_client_joined, dispatch_uid=f"{uid}.joined")
    client_detached.connect(on_client_detached, dispatch_uid=f"{uid}.detached")
    consent_signed.connect(on_consent_signed, dispatch_uid=f"{uid}.consent_signed")
    activation_requested.connect(on_activation_requested, dispatch_uid=f"{uid}.act_requested")
    activation_approved.connect(on_activation_approved, dispatch_uid=f"{uid}.act_approved")
