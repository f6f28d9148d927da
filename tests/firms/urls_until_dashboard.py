"""The site's routes, plus a stand-in `firms:dashboard` while the dashboard's own route has
not landed (the firm pages' navigation links to it). Used by tests/firms/conftest.py only
when `firms:dashboard` does not resolve."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from firms import urls as firm_urls
from legacy import urls as site_urls


def _dashboard_stand_in(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse(f"dashboard of {slug}")


_firm_patterns: list[URLPattern | URLResolver] = [
    *firm_urls.urlpatterns,
    path("firms/<slug:slug>/", _dashboard_stand_in, name="dashboard"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    *(p for p in site_urls.urlpatterns if getattr(p, "namespace", None) != "firms"),
    path("", include((_firm_patterns, "firms"))),
]
