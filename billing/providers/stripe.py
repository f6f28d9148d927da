"""Stripe, through its official SDK (`stripe.StripeClient`): hosted Checkout and the Customer
Portal, so no card data ever reaches Legacy; subscriptions read, changed (prorated by Stripe)
and cancelled; invoices with their hosted pages; webhook signatures checked with
`stripe.Webhook.construct_event`.

The client is made on first use, never at start-up, against `STRIPE_API_BASE` if set, else
`stripe.api_base` as it is then (Stripe's own address unless a test points it elsewhere).
Every Stripe error becomes a PaymentError whose text is a plain sentence; PaymentUnavailable
when trying again later may help (Stripe unreachable, a 5xx, a rate limit)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import stripe
from django.conf import settings

from billing.providers import (
    Invoice,
    PaymentError,
    PaymentUnavailable,
    ProviderEvent,
    RemoteSubscription,
    WebhookRejected,
)

LABEL = "Stripe: you pay on Stripe's own secure pages, and Legacy never sees your card"
PAGES = ("https://checkout.stripe.com", "https://billing.stripe.com")
TIMEOUT_S = 20
NETWORK_RETRIES = 2


def _when(seconds: Any) -> datetime | None:
    return datetime.fromtimestamp(int(seconds), tz=UTC) if seconds else None


def _id(value: Any) -> str:
    """An expandable field's id, whether Stripe sent the id or the whole object."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def remote_subscription(data: dict[str, Any]) -> RemoteSubscription:
    """A Stripe subscription (as a dict) in the interface's terms. The period and the price
    are on its first item (Stripe moved the period there in 2025; the old place is a fallback)."""
    items = (data.get("items") or {}).get("data") or []
    item = items[0] if items else {}
    metadata = data.get("metadata") or {}
    return RemoteSubscription(
        id=str(data["id"]),
        customer_id=_id(data.get("customer")),
        status=str(data.get("status") or ""),
        price_id=_id(item.get("price")),
        quantity=int(item.get("quantity") or data.get("quantity") or 1),
        period_start=_when(item.get("current_period_start") or data.get("current_period_start")),
        period_end=_when(item.get("current_period_end") or data.get("current_period_end")),
        cancel_at_period_end=bool(data.get("cancel_at_period_end")),
        memorial_id=str(metadata.get("memorial_id") or ""),
    )


def _invoice(data: dict[str, Any]) -> Invoice:
    paid = data.get("status") == "paid"
    return Invoice(
        id=str(data["id"]),
        number=str(data.get("number") or ""),
        amount_minor=int((data.get("amount_paid") if paid else data.get("amount_due")) or 0),
        currency=str(data.get("currency") or ""),
        status=str(data.get("status") or ""),
        created=_when(data.get("created")) or datetime.now(tz=UTC),
        url=str(data.get("hosted_invoice_url") or ""),
    )


@contextmanager
def _plain(doing: str) -> Iterator[None]:
    """Stripe's errors as PaymentError, in a sentence a person can read."""
    try:
        yield
    except stripe.CardError as error:
        raise PaymentError(
            f"The card was declined while {doing}: {error.user_message or 'try another card'}."
        ) from error
    except (stripe.AuthenticationError, stripe.PermissionError) as error:
        raise PaymentError(
            f"Stripe refused this server's key while {doing}; staff need to check "
            "STRIPE_SECRET_KEY."
        ) from error
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
        raise PaymentUnavailable(
            f"Stripe could not be reached while {doing}. Nothing was charged by this attempt; "
            "please try again in a few minutes."
        ) from error
    except stripe.InvalidRequestError as error:
        reason = error.user_message or "it did not accept the request"
        raise PaymentError(f"Stripe could not go on with {doing}: {reason}.") from error
    except stripe.StripeError as error:
        raise PaymentError(f"Stripe could not go on with {doing}.") from error


class StripeProvider:
    name = "stripe"
    label = LABEL
    offline = False

    def __init__(self, *, secret_key: str, webhook_secret: str) -> None:
        self._secret_key = secret_key
        self._webhook_secret = webhook_secret
        self._client: stripe.StripeClient | None = None

    @property
    def api_base(self) -> str:
        return settings.STRIPE_API_BASE or stripe.api_base

    @property
    def page_origins(self) -> tuple[str, ...]:
        """Stripe's hosted pages, and the API's own origin (a local fake serves both)."""
        parts = urlsplit(self.api_base)
        return (*PAGES, f"{parts.scheme}://{parts.netloc}")

    @property
    def client(self) -> stripe.StripeClient:
        if not self._secret_key:
            raise PaymentError("Payments are not set up on this server (no STRIPE_SECRET_KEY).")
        if self._client is None:
            self._client = stripe.StripeClient(
                self._secret_key,
                base_addresses={"api": self.api_base},
                max_network_retries=NETWORK_RETRIES,
                http_client=stripe.RequestsClient(timeout=TIMEOUT_S),
            )
        return self._client

    def checkout_url(
        self,
        *,
        memorial_id: str,
        provider_price_id: str,
        quantity: int,
        payer_email: str,
        customer_id: str,
        success_url: str,
        cancel_url: str,
    ) -> str:
        """A hosted Checkout Session in subscription mode. The memorial's id goes in the
        session's and the subscription's metadata (the webhooks find the memorial by it); an
        existing Stripe customer is reused, else Stripe makes one for `payer_email`."""
        if not provider_price_id:
            raise PaymentError(
                "This price is not set up with Stripe yet: staff add its Stripe price id in "
                "the admin."
            )
        params: dict[str, Any] = {
            "mode": "subscription",
            "line_items": [{"price": provider_price_id, "quantity": quantity}],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "client_reference_id": str(memorial_id),
            "metadata": {"memorial_id": str(memorial_id)},
            "subscription_data": {"metadata": {"memorial_id": str(memorial_id)}},
        }
        if customer_id:
            params["customer"] = customer_id
        elif payer_email:
            params["customer_email"] = payer_email
        with _plain("opening the checkout"):
            session = self.client.v1.checkout.sessions.create(params=params)  # type: ignore[arg-type]
        if not session.url:
            raise PaymentError("Stripe opened no checkout page; please try again.")
        return str(session.url)

    def portal_url(self, *, customer_id: str, return_url: str) -> str:
        if not customer_id:
            raise PaymentError("There is no Stripe customer for this memorial yet.")
        with _plain("opening the billing portal"):
            session = self.client.v1.billing_portal.sessions.create(
                params={"customer": customer_id, "return_url": return_url}
            )
        return str(session.url)

    def subscription_read(self, subscription_id: str) -> RemoteSubscription:
        with _plain("reading the subscription"):
            found = self.client.v1.subscriptions.retrieve(subscription_id)
        return remote_subscription(found.to_dict())

    def subscription_change(
        self, *, subscription_id: str, provider_price_id: str, quantity: int
    ) -> RemoteSubscription:
        """Move the subscription's one item to another price or seat count at once; Stripe
        prorates the difference onto the next invoice."""
        with _plain("changing the plan"):
            current = self.client.v1.subscriptions.retrieve(subscription_id).to_dict()
            items = (current.get("items") or {}).get("data") or []
            if not items:
                raise PaymentError("This subscription has nothing on it to change.")
            changed = self.client.v1.subscriptions.update(
                subscription_id,
                params={
                    "items": [
                        {"id": items[0]["id"], "price": provider_price_id, "quantity": quantity}
                    ],
                    "proration_behavior": "create_prorations",
                },
            )
        return remote_subscription(changed.to_dict())

    def subscription_cancel(
        self, *, subscription_id: str, at_period_end: bool
    ) -> RemoteSubscription:
        with _plain("cancelling the subscription"):
            if at_period_end:
                done = self.client.v1.subscriptions.update(
                    subscription_id, params={"cancel_at_period_end": True}
                )
            else:
                done = self.client.v1.subscriptions.cancel(subscription_id)
        return remote_subscription(done.to_dict())

    def invoices(self, *, customer_id: str, limit: int = 12) -> list[Invoice]:
        if not customer_id:
            return []
        with _plain("listing the invoices"):
            page = self.client.v1.invoices.list(params={"customer": customer_id, "limit": limit})
        return [_invoice(invoice.to_dict()) for invoice in page.data]

    def refund_last(self, *, subscription_id: str) -> None:
        """Refund the subscription's last paid invoice in full (staff, from the admin; the
        subscription itself goes on until cancelled)."""
        with _plain("refunding the last payment"):
            paid = self.client.v1.invoices.list(
                params={"subscription": subscription_id, "status": "paid", "limit": 1}
            ).data
            if not paid:
                raise PaymentError("This subscription has no paid invoice to refund.")
            payments = self.client.v1.invoice_payments.list(
                params={"invoice": str(paid[0].id), "status": "paid"}
            ).data
            if not payments:
                raise PaymentError("Stripe holds no payment for the last invoice.")
            payment = payments[0].to_dict().get("payment") or {}
            intent, charge = _id(payment.get("payment_intent")), _id(payment.get("charge"))
            target = {"payment_intent": intent} if intent else {"charge": charge}
            self.client.v1.refunds.create(params=target)  # type: ignore[arg-type]

    def webhook_event(self, *, payload: bytes, signature: str) -> ProviderEvent:
        if not signature:
            raise WebhookRejected("The Stripe-Signature header is missing.")
        if not self._webhook_secret:
            raise WebhookRejected("STRIPE_WEBHOOK_SECRET is not set, so no event can be trusted.")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self._webhook_secret)
        except stripe.SignatureVerificationError as error:
            raise WebhookRejected("The signature does not match this server's secret.") from error
        except ValueError as error:
            raise WebhookRejected("The body is not a Stripe event.") from error
        data = event.to_dict()
        obj = (data.get("data") or {}).get("object") or {}
        return ProviderEvent(
            id=str(data.get("id") or ""),
            kind=str(data.get("type") or ""),
            object_id=str(obj.get("id") or ""),
            data=obj,
        )
