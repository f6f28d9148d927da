"""What every page needs to know of the demo: a page about the demo memorial shows the
"fictional" banner (`demo_memorial_id`); the home page of an empty install shows how to make
one (`demo_offer`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from demo.selectors import install_is_empty, memorial_is_demo


def demo(request: HttpRequest) -> dict[str, Any]:
    match = request.resolver_match
    if match is None:
        return {}
    memorial_id = match.kwargs.get("memorial_id")
    if memorial_id is not None:
        is_demo = memorial_is_demo(memorial_id=memorial_id)
        return {"demo_memorial_id": memorial_id} if is_demo else {}
    if match.url_name == "home":
        return {"demo_offer": install_is_empty()}
    return {}
