"""`client_brand`: on a client's own memorial pages, the brand of the firm they joined
through, shown beside Legacy's (templates/firms/_client_brand.html, from base.html)."""

from __future__ import annotations

from django.http import HttpRequest

from firms.branding import Brand, firm_brand_for_memorial


def client_brand(request: HttpRequest) -> dict[str, Brand | None]:
    """One query, only on a page of a memorial (its URL names `memorial_id`) for a signed-in
    person; nothing elsewhere."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if match is None or user is None or not user.is_authenticated:
        return {}
    memorial_id = match.kwargs.get("memorial_id")
    if memorial_id is None:
        return {}
    return {"client_brand": firm_brand_for_memorial(memorial_id, user_id=user.pk)}
