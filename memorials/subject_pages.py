"""The plumbing of a page only the memorial's subject may open: signed in (else to sign-in),
one of the allowed methods (else 405), the subject (anyone else: 404, before the body is
read), and each `<thing>_id` of the URL found in this memorial (else 404). Each app names
its own things: `subject_pages(lookups)` gives its decorator."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from memorials.models import Role
from memorials.selectors import memorial_get_for

# "<thing>_id" of the URL -> (the view's keyword, lookup(memorial_id, id) -> the thing or None)
Lookups = Mapping[str, tuple[str, Callable[[uuid.UUID, Any], Any]]]
PageDecorator = Callable[..., Callable[..., Callable[..., HttpResponse]]]


def subject_pages(lookups: Lookups) -> PageDecorator:
    """A decorator factory `page(methods=[...])` for the subject's pages of one app; the view
    is called as `view(request, membership, <thing>=...)`."""

    def subject_page(*, methods: Sequence[str]) -> Callable[..., Callable[..., HttpResponse]]:
        def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
            @login_required
            @require_http_methods(list(methods))
            @wraps(view)
            def page(
                request: AuthenticatedHttpRequest, memorial_id: uuid.UUID, **ids: Any
            ) -> HttpResponse:
                membership = memorial_get_for(
                    user=request.user, memorial_id=memorial_id, roles=[Role.SUBJECT]
                )
                found = {}
                for name, value in ids.items():
                    key, lookup = lookups[name]
                    found[key] = lookup(memorial_id, value)
                    if found[key] is None:
                        raise Http404
                return view(request, membership, **found)

            return page

        return decorate

    return subject_page
