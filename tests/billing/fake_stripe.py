"""A local stand-in for Stripe's API, for the real `stripe` SDK to talk to.

A threaded HTTP server on 127.0.0.1 implementing only what Legacy calls: Checkout Sessions
(POST /v1/checkout/sessions), Customer Portal sessions (POST /v1/billing_portal/sessions),
subscriptions (GET, POST to update, DELETE to cancel /v1/subscriptions/<id>) and invoices
(GET /v1/invoices?customer=|subscription=), and what a refund needs (GET
/v1/invoice_payments, POST /v1/refunds). It records every request, and can be told to fail
the next calls (`fail_next`).

A checkout session's `url` is a page of this server (/pay/<session>) with a "Pay" button: paying
makes the customer, the subscription and a paid invoice, sends the signed webhooks Stripe would
(checkout.session.completed, customer.subscription.created, invoice.paid) to `webhook_url` if
one is set (after `webhook_delay_s`, so a page can be seen waiting for them), and sends the
browser back to the session's success URL. `event` builds a signed
event for a test to post itself (`signature` signs any body with any secret).

Use the `fake_stripe` fixture below (import it into a test module): it starts the server,
points the SDK at it (`stripe.api_base`) and chooses the Stripe provider."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe

from billing.providers import payment_provider

SECRET_KEY = "sk_test_fake_legacy"
WEBHOOK_SECRET = "whsec_fake_legacy"
PERIOD_S = 365 * 24 * 3600


def signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A Stripe-Signature header for `payload`, as Stripe signs it."""
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def nested(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (`line_items[0][price]=...`) back into dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node: Any = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    fields: dict[str, Any] = field(default_factory=dict)


class FakeStripe:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.sessions: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.invoices: list[dict[str, Any]] = []
        self.customers: set[str] = set()
        self.refunds: list[dict[str, Any]] = []
        self.webhook_url = ""
        self.webhook_delay_s = 0.0  # paying sends the webhooks this long after the redirect
        self.webhook_answers: list[int] = []
        self._failures: list[tuple[int, str, str]] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeStripe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def new_id(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}_fake{next(self._ids)}"

    def fail_next(
        self, status: int, *, times: int = 1, kind: str = "api_error", message: str = "fake"
    ) -> None:
        """The next `times` API requests are answered with `status` and a Stripe error body."""
        self._failures.extend([(status, kind, message)] * times)

    def take_failure(self) -> tuple[int, str, str] | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def seen(self, method: str, pattern: str = "") -> list[Request]:
        return [r for r in self.requests if r.method == method and re.search(pattern, r.path)]

    # What Stripe holds -------------------------------------------------------------------

    def subscription_make(
        self,
        *,
        memorial_id: str,
        price_id: str,
        status: str = "active",
        customer: str = "",
        quantity: int = 1,
    ) -> dict[str, Any]:
        """A subscription as Stripe would hold it after a checkout (current period on its
        item, as in Stripe's API since 2025)."""
        customer = customer or self.new_id("cus")
        self.customers.add(customer)
        now = int(time.time())
        sub_id = self.new_id("sub")
        sub = {
            "id": sub_id,
            "object": "subscription",
            "customer": customer,
            "status": status,
            "cancel_at_period_end": False,
            "metadata": {"memorial_id": memorial_id},
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": self.new_id("si"),
                        "object": "subscription_item",
                        "price": {"id": price_id, "object": "price"},
                        "quantity": quantity,
                        "current_period_start": now,
                        "current_period_end": now + PERIOD_S,
                    }
                ],
                "has_more": False,
                "url": f"/v1/subscription_items?subscription={sub_id}",
            },
        }
        self.subscriptions[sub_id] = sub
        return sub

    def invoice_make(self, *, subscription: dict[str, Any], status: str = "paid") -> dict[str, Any]:
        invoice_id = self.new_id("in")
        invoice = {
            "id": invoice_id,
            "object": "invoice",
            "customer": subscription["customer"],
            "number": f"LEG-{len(self.invoices) + 1:04d}",
            "status": status,
            "amount_due": 99900,
            "amount_paid": 99900 if status == "paid" else 0,
            "currency": "usd",
            "created": int(time.time()),
            "hosted_invoice_url": f"{self.url}/invoice/{invoice_id}",
            "subscription_id": subscription["id"],  # the fake's own note, for filtering
            "payment_intent_id": self.new_id("pi") if status == "paid" else "",
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": subscription["id"]},
            },
        }
        self.invoices.append(invoice)
        return invoice

    def event(self, kind: str, obj: dict[str, Any], *, event_id: str = "") -> bytes:
        """A webhook body as Stripe sends it (sign it with `signature`)."""
        body = {
            "id": event_id or self.new_id("evt"),
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "livemode": False,
            "api_version": "2026-10-28.endive",
            "data": {"object": obj},
        }
        return json.dumps(body).encode()

    def deliver(self, kind: str, obj: dict[str, Any]) -> int:
        """Send a signed event to `webhook_url`, as Stripe would; the status it got."""
        payload = self.event(kind, obj)
        request = urllib.request.Request(
            self.webhook_url,
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json", "Stripe-Signature": signature(payload)},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        self.webhook_answers.append(status)
        return status

    def pay(self, session_id: str) -> str:
        """The payer pays on the hosted page: the subscription, its paid invoice and the
        webhooks. Returns where the browser goes next (the success URL)."""
        session = self.sessions[session_id]
        customer = session.get("customer") or self.new_id("cus")
        sub = self.subscription_make(
            memorial_id=session["subscription_data"]["metadata"]["memorial_id"],
            price_id=session["line_items"][0]["price"],
            quantity=int(session["line_items"][0].get("quantity", 1)),
            customer=customer,
        )
        session.update(customer=customer, subscription=sub["id"], status="complete")
        invoice = self.invoice_make(subscription=sub)
        if self.webhook_url:
            events = [
                ("checkout.session.completed", session),
                ("customer.subscription.created", sub),
                ("invoice.paid", invoice),
            ]
            if self.webhook_delay_s:
                threading.Timer(self.webhook_delay_s, self._deliver_all, [events]).start()
            else:
                self._deliver_all(events)
        return str(session["success_url"])

    def _deliver_all(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        for kind, obj in events:
            self.deliver(kind, obj)


def _handler_for(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _record(self) -> Request:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            parts = urlsplit(self.path)
            request = Request(
                method=self.command,
                path=parts.path,
                query=dict(parse_qsl(parts.query)),
                headers={k.lower(): v for k, v in self.headers.items()},
                fields=nested(parse_qsl(body, keep_blank_values=True)),
            )
            fake.requests.append(request)
            return request

        def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: Any) -> None:
            self._send(status, json.dumps(data).encode(), "application/json")

        def _error(self, status: int, kind: str, message: str) -> None:
            self._json(status, {"error": {"type": kind, "message": message}})

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def do_DELETE(self) -> None:
            self._answer()

        def _answer(self) -> None:
            request = self._record()
            path, method = request.path, request.method
            if path.startswith("/pay/"):
                return self._pay_page(path.removeprefix("/pay/"), method)
            if path.startswith("/portal/"):
                page = (
                    "<!doctype html><html lang=en><title>Portal</title><h1>Fake Stripe portal</h1>"
                )
                return self._send(200, page.encode(), "text/html")
            if request.headers.get("authorization") != f"Bearer {SECRET_KEY}":
                return self._error(401, "invalid_request_error", "Invalid API Key provided")
            failure = fake.take_failure()
            if failure is not None:
                return self._error(*failure)
            if path == "/v1/checkout/sessions" and method == "POST":
                return self._json(200, self._session(request.fields))
            if path == "/v1/billing_portal/sessions" and method == "POST":
                customer = request.fields.get("customer", "")
                if customer not in fake.customers:
                    return self._error(400, "invalid_request_error", "No such customer")
                return self._json(
                    200,
                    {
                        "id": fake.new_id("bps"),
                        "object": "billing_portal.session",
                        "customer": customer,
                        "return_url": request.fields.get("return_url"),
                        "url": f"{fake.url}/portal/{customer}",
                    },
                )
            match = re.fullmatch(r"/v1/subscriptions/([\w]+)", path)
            if match:
                return self._subscription(match.group(1), method, request.fields)
            if path == "/v1/invoice_payments" and method == "GET":
                return self._json(200, self._invoice_payments(request.query))
            if path == "/v1/refunds" and method == "POST":
                refund = {"id": fake.new_id("re"), "object": "refund", **request.fields}
                fake.refunds.append(refund)
                return self._json(200, refund)
            if path == "/v1/invoices" and method == "GET":
                query = request.query
                found = [
                    i
                    for i in reversed(fake.invoices)
                    if query.get("customer", i["customer"]) == i["customer"]
                    and query.get("subscription", i["subscription_id"]) == i["subscription_id"]
                    and query.get("status", i["status"]) == i["status"]
                ]
                limit = int(request.query.get("limit", 10))
                return self._json(
                    200,
                    {"object": "list", "data": found[:limit], "has_more": False, "url": path},
                )
            return self._error(404, "invalid_request_error", f"Unrecognized request URL {path}")

        def _invoice_payments(self, query: dict[str, str]) -> dict[str, Any]:
            data = [
                {
                    "id": f"inpay_{i['id']}",
                    "object": "invoice_payment",
                    "invoice": i["id"],
                    "status": "paid",
                    "payment": {"type": "payment_intent", "payment_intent": i["payment_intent_id"]},
                }
                for i in fake.invoices
                if i["id"] == query.get("invoice") and i["payment_intent_id"]
            ]
            return {
                "object": "list",
                "data": data,
                "has_more": False,
                "url": "/v1/invoice_payments",
            }

        def _session(self, fields: dict[str, Any]) -> dict[str, Any]:
            session_id = fake.new_id("cs")
            session = {
                "id": session_id,
                "object": "checkout.session",
                "mode": fields.get("mode"),
                "status": "open",
                "customer": fields.get("customer"),
                "customer_email": fields.get("customer_email"),
                "client_reference_id": fields.get("client_reference_id"),
                "metadata": fields.get("metadata", {}),
                "subscription_data": fields.get("subscription_data", {}),
                "line_items": fields.get("line_items", []),
                "subscription": None,
                "success_url": fields.get("success_url"),
                "cancel_url": fields.get("cancel_url"),
                "url": f"{fake.url}/pay/{session_id}",
            }
            fake.sessions[session_id] = session
            return {
                k: v for k, v in session.items() if k not in ("line_items", "subscription_data")
            }

        def _subscription(self, sub_id: str, method: str, fields: dict[str, Any]) -> None:
            sub = fake.subscriptions.get(sub_id)
            if sub is None:
                return self._error(
                    404, "invalid_request_error", f"No such subscription: '{sub_id}'"
                )
            if method == "POST":
                for change in fields.get("items", []):
                    item = sub["items"]["data"][0]
                    if change.get("id") == item["id"]:
                        if "price" in change:
                            item["price"] = {"id": change["price"], "object": "price"}
                        if "quantity" in change:
                            item["quantity"] = int(change["quantity"])
                if "cancel_at_period_end" in fields:
                    sub["cancel_at_period_end"] = fields["cancel_at_period_end"] == "true"
            elif method == "DELETE":
                sub["status"] = "canceled"
            return self._json(200, sub)

        def _pay_page(self, session_id: str, method: str) -> None:
            session = fake.sessions.get(session_id)
            if session is None:
                return self._send(404, b"No such checkout", "text/plain")
            if method == "POST":
                return self._send(303, b"", "text/plain", Location=fake.pay(session_id))
            page = (
                "<!doctype html><html lang=en><title>Fake Stripe checkout</title>"
                "<h1>Fake Stripe checkout</h1>"
                f"<form method=post action='/pay/{session_id}'>"
                "<button type=submit>Pay</button></form>"
                f"<a href='{session['cancel_url']}'>Back</a></html>"
            )
            return self._send(200, page.encode(), "text/html")

    return Handler


@pytest.fixture
def fake_stripe(settings, monkeypatch):
    """The fake Stripe, with the SDK pointed at it and the Stripe provider chosen."""
    fake = FakeStripe().start()
    settings.LEGACY_PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = ""
    monkeypatch.setattr(stripe, "api_base", fake.url)
    payment_provider.cache_clear()
    try:
        yield fake
    finally:
        payment_provider.cache_clear()
        fake.stop()
