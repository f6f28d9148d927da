"""The firm's billing pages and its trail (see firms/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from firms import views_billing

urlpatterns: list[URLPattern | URLResolver] = [
    path("firms/<slug:slug>/billing/", views_billing.billing, name="billing"),
    path(
        "firms/<slug:slug>/billing/request/", views_billing.billing_request, name="billing_request"
    ),
    path(
        "firms/<slug:slug>/billing/checkout/",
        views_billing.billing_checkout,
        name="billing_checkout",
    ),
    path("firms/<slug:slug>/billing/seats/", views_billing.billing_seats, name="billing_seats"),
    path("firms/<slug:slug>/billing/portal/", views_billing.billing_portal, name="billing_portal"),
    path("firms/<slug:slug>/billing/statement/", views_billing.statement, name="statement"),
    path(
        "firms/<slug:slug>/billing/statement.csv",
        views_billing.statement_csv,
        name="statement_csv",
    ),
    path("firms/<slug:slug>/trail/", views_billing.trail, name="trail"),
    path("firms/<slug:slug>/trail.csv", views_billing.trail_csv, name="trail_csv"),
]
