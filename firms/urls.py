"""The firm's pages under /firms/<slug>/ (each helper adds its own), and the join link."""

from django.urls import path

app_name = "firms"

urlpatterns: list = [
    # path("<slug:slug>/", views.dashboard, name="dashboard"),
]
