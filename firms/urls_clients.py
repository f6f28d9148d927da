"""The firm's clients pages (see firms/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from firms import views_clients

urlpatterns: list[URLPattern | URLResolver] = [
    path("firms/<slug:slug>/clients/add/", views_clients.clients_add, name="clients_add"),
    path("firms/<slug:slug>/clients/import/", views_clients.clients_import, name="clients_import"),
    path(
        "firms/<slug:slug>/clients/import/<str:import_id>/",
        views_clients.clients_import_progress,
        name="clients_import_progress",
    ),
    path(
        "firms/<slug:slug>/clients/<uuid:client_id>/",
        views_clients.client_detail,
        name="client",
    ),
    path(
        "firms/<slug:slug>/clients/<uuid:client_id>/invite/",
        views_clients.client_invite,
        name="client_invite",
    ),
    path("f/<slug:slug>/join", views_clients.firm_join, name="join"),
    path("f/invitation/<str:token>/", views_clients.client_accept, name="client_accept"),
]
