"""Firm tests: the firm pages' navigation links to `firms:dashboard`; until that route is on
main, a stand-in serves it (tests/firms/urls_until_dashboard.py)."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse


def dashboard_route_ensure(settings) -> None:  # type: ignore[no-untyped-def]
    try:
        reverse("firms:dashboard", kwargs={"slug": "any"})
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.firms.urls_until_dashboard"


@pytest.fixture(autouse=True)
def _firm_dashboard_route(settings) -> None:  # type: ignore[no-untyped-def]
    dashboard_route_ensure(settings)
