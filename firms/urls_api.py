"""The firm's api pages (see firms/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from firms import views_api

urlpatterns: list[URLPattern | URLResolver] = [
    path("firms/<slug:slug>/api/", views_api.api_page, name="api"),
    path(
        "firms/<slug:slug>/api/tokens/<int:token_id>/revoke",
        views_api.api_token_revoke_view,
        name="api_token_revoke",
    ),
    path("firms/<slug:slug>/api/webhooks/", views_api.api_webhook_add, name="api_webhook_add"),
    path(
        "firms/<slug:slug>/api/webhooks/<int:endpoint_id>/remove",
        views_api.api_webhook_remove,
        name="api_webhook_remove",
    ),
    path(
        "firms/<slug:slug>/api/webhooks/<int:endpoint_id>/test",
        views_api.api_webhook_test,
        name="api_webhook_test",
    ),
]
