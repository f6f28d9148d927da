"""The firm's pages under /firms/<slug>/ (each part adds its own), and the join link
/f/<slug>/join."""

from django.urls import URLPattern, URLResolver

app_name = "firms"

urlpatterns: list[URLPattern | URLResolver] = []
