"""The firm's pages under /firms/<slug>/, and the join link /f/<slug>/join. Each part of the
app keeps its own routes in `firms/urls_<part>.py`; the dashboard's come last."""

from django.urls import URLPattern, URLResolver

from firms import urls_api, urls_billing, urls_clients, urls_dashboard, urls_staff, urls_steward

app_name = "firms"

urlpatterns: list[URLPattern | URLResolver] = [
    *urls_staff.urlpatterns,
    *urls_clients.urlpatterns,
    *urls_steward.urlpatterns,
    *urls_billing.urlpatterns,
    *urls_api.urlpatterns,
    *urls_dashboard.urlpatterns,
]
