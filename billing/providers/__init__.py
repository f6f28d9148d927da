"""The payment provider interface, and the one chosen by `LEGACY_PAYMENT_PROVIDER`.

- `manual` (the default, offline): no payment account; staff mark a subscription paid in the
  admin. Pages say so.
- `stripe`: Stripe's hosted Checkout and Customer Portal through the official `stripe` SDK,
  with `STRIPE_SECRET_KEY` and `STRIPE_WEBHOOK_SECRET`. Nothing calls Stripe at start-up.

No card data ever reaches Legacy: people pay on the provider's own pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class PaymentError(Exception):
    """The provider could not do what was asked; `str()` is a plain sentence for the page."""


class PaymentUnavailable(PaymentError):
    """The provider could not be reached or failed on its side (a timeout, a 5xx, a rate
    limit): worth trying again later, unlike other PaymentErrors."""


class WebhookRejected(Exception):
    """A webhook whose signature is missing or wrong, or whose body is not an event."""


@dataclass(frozen=True)
class RemoteSubscription:
    """A subscription as the provider holds it now (its current state, whatever the order in
    which events arrived)."""

    id: str
    customer_id: str
    status: str
    price_id: str
    quantity: int
    period_start: datetime | None
    period_end: datetime | None
    cancel_at_period_end: bool
    memorial_id: str  # from the metadata Legacy set at checkout


@dataclass(frozen=True)
class Invoice:
    id: str
    number: str
    amount_minor: int
    currency: str
    status: str
    created: datetime
    url: str  # the provider's hosted invoice / receipt page


@dataclass(frozen=True)
class ProviderEvent:
    id: str
    kind: str
    object_id: str
    data: dict[str, Any]


class PaymentProvider(Protocol):
    name: str
    label: str  # shown on the pages: which provider is in use, in plain words
    offline: bool

    @property
    def page_origins(self) -> tuple[str, ...]:
        """Where a form on Legacy's pages may end up after its redirect (the hosted checkout
        and portal): the pages add these to their Content-Security-Policy's form-action."""

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
        """Where to send the payer to pay (the provider's hosted page)."""

    def portal_url(self, *, customer_id: str, return_url: str) -> str:
        """The provider's page where the payer changes card, sees invoices or cancels."""

    def subscription_read(self, subscription_id: str) -> RemoteSubscription: ...

    def subscription_change(
        self, *, subscription_id: str, provider_price_id: str, quantity: int
    ) -> RemoteSubscription:
        """Move to another price (prorated by the provider) or seat count, at once."""

    def subscription_cancel(
        self, *, subscription_id: str, at_period_end: bool
    ) -> RemoteSubscription: ...

    def invoices(self, *, customer_id: str, limit: int = 12) -> list[Invoice]: ...

    def webhook_event(self, *, payload: bytes, signature: str) -> ProviderEvent:
        """The verified event, or WebhookRejected."""


@cache
def payment_provider() -> PaymentProvider:
    name = settings.LEGACY_PAYMENT_PROVIDER
    if name == "manual":
        from billing.providers.manual import ManualProvider

        return ManualProvider()
    if name == "stripe":
        from billing.providers.stripe import StripeProvider

        return StripeProvider(
            secret_key=settings.STRIPE_SECRET_KEY, webhook_secret=settings.STRIPE_WEBHOOK_SECRET
        )
    raise ImproperlyConfigured(
        f"LEGACY_PAYMENT_PROVIDER={name!r}: choose 'manual' (the default) or 'stripe'."
    )
