"""Billing pages: `/pricing/`, `/billing/...` (the payer's page, checkout, the provider's
webhook). Mounted at the site root by legacy/urls.py."""

from django.urls import path

from billing import checkout_views, views, webhook_views

app_name = "billing"

urlpatterns: list = [
    # billing-core: the memorial's billing page, plan change, cancel, take over payment
    path("billing/memorials/<uuid:memorial_id>/", views.billing_page, name="memorial"),
    path(
        "billing/memorials/<uuid:memorial_id>/plan/<slug:code>/",
        views.plan_change_page,
        name="plan_change",
    ),
    path("billing/memorials/<uuid:memorial_id>/cancel/", views.cancel_page, name="cancel"),
    path("billing/memorials/<uuid:memorial_id>/take-over/", views.take_over, name="take_over"),
    # billing-stripe: pricing page, checkout start/return, portal, /billing/stripe/webhook/
    path("pricing/", checkout_views.pricing, name="pricing"),
    path("billing/checkout/", checkout_views.checkout, name="checkout"),
    path(
        "billing/<uuid:memorial_id>/checkout/done/",
        checkout_views.checkout_return,
        name="checkout_return",
    ),
    path(
        "billing/<uuid:memorial_id>/checkout/state/",
        checkout_views.checkout_state_json,
        name="checkout_state",
    ),
    path(
        "billing/<uuid:memorial_id>/checkout/cancelled/",
        checkout_views.checkout_cancelled,
        name="checkout_cancelled",
    ),
    path(
        "billing/<uuid:memorial_id>/request/",
        checkout_views.manual_request,
        name="manual_request",
    ),
    path("billing/<uuid:memorial_id>/portal/", checkout_views.portal, name="portal"),
    path("billing/stripe/webhook/", webhook_views.stripe_webhook, name="stripe_webhook"),
]
