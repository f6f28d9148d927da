"""The offline payment provider (the default): Legacy has no payment account, no money moves
through it, and staff mark a plan paid in the admin once the family has paid them some other
way. "Checkout" is a page on this server that records the request for staff
(`billing.checkout.manual_request_record`); nothing here talks to anyone outside."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from billing.providers import (
    Invoice,
    PaymentError,
    ProviderEvent,
    RemoteSubscription,
    WebhookRejected,
)

LABEL = "No payment account: Legacy's staff mark a plan paid"


class ManualProvider:
    name = "manual"
    label = LABEL
    offline = True
    page_origins: tuple[str, ...] = ()

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
        """The local page where the payer asks staff for the plan (`provider_price_id` is the
        local Price's id: this provider has no ids of its own)."""
        page = reverse("billing:manual_request", kwargs={"memorial_id": memorial_id})
        return f"{page}?{urlencode({'price': provider_price_id, 'quantity': quantity})}"

    def portal_url(self, *, customer_id: str, return_url: str) -> str:
        """There is no portal: the payer stays on Legacy's own billing page."""
        return return_url

    def subscription_read(self, subscription_id: str) -> RemoteSubscription:
        raise PaymentError(f"{LABEL}: there is no subscription held elsewhere to read.")

    def subscription_change(
        self, *, subscription_id: str, provider_price_id: str, quantity: int
    ) -> RemoteSubscription:
        raise PaymentError(f"{LABEL}: staff change the plan in the admin.")

    def subscription_cancel(
        self, *, subscription_id: str, at_period_end: bool
    ) -> RemoteSubscription:
        raise PaymentError(f"{LABEL}: staff cancel the plan in the admin.")

    def invoices(self, *, customer_id: str, limit: int = 12) -> list[Invoice]:
        return []

    def webhook_event(self, *, payload: bytes, signature: str) -> ProviderEvent:
        raise WebhookRejected("This server takes no payments, so it expects no webhooks.")
