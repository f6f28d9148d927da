"""Pages of an erased memorial say it was erased, gently, instead of "not found"."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from memorials.selectors import MemorialGone


class MemorialGoneMiddleware:
    """A view that raised `MemorialGone` (through `memorial_get_for`) answers 410 Gone with
    a page that explains; on an activation page, that the request was erased too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, MemorialGone):
            return None
        match = request.resolver_match
        url_name = (match.url_name if match else None) or ""
        context = {"activation": url_name.startswith("activation")}
        return render(request, "memorials/erased.html", context, status=410)
