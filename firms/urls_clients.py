"""The firm's clients pages (see firms/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from firms import views_clients

urlpatterns: list[URLPattern | URLResolver] = [
    path("f/invitation/<str:token>/", views_clients.client_accept, name="client_accept"),
]
