"""Billing pages: `/pricing/`, `/billing/...` (the payer's page, checkout, the provider's
webhook). Mounted at the site root by legacy/urls.py."""

from django.urls import path  # noqa: F401

app_name = "billing"

urlpatterns: list = [
    # billing-core: pricing page, the memorial's billing page, plan change, take over payment
    # billing-stripe: checkout start/return, portal, /billing/stripe/webhook/
]
