"""The firm's dashboard pages (see firms/urls.py)."""

from django.urls import URLPattern, URLResolver, path

from firms import views_dashboard

urlpatterns: list[URLPattern | URLResolver] = [
    path("firms/<slug:slug>/", views_dashboard.dashboard, name="dashboard"),
    path(
        "firms/<slug:slug>/clients.csv", views_dashboard.dashboard_export, name="dashboard_export"
    ),
    path("firms/<slug:slug>/reminders/", views_dashboard.dashboard_reminders, name="reminders"),
]
