"""Billing pages: `/pricing/`, `/billing/...` (the payer's page, checkout, the provider's
webhook). Mounted at the site root by legacy/urls.py."""

from django.urls import path

from billing import views

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
]
