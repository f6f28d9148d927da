"""What every firm page does first: `firm_view(power)` finds the caller's staff row through
`firms.access.firm_get_for` (404 to everyone else) and sends staff without two-factor to set
it up (every firm staff account must have it; allauth then asks for the code at each sign-in)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from firms.access import FirmPower, firm_get_for
from firms.models import FirmStaff

FirmViewFunc = Callable[..., HttpResponseBase]


def two_factor_setup_url(*, next_path: str) -> str:
    return f"{reverse('mfa_activate_totp')}?{urlencode({'next': next_path})}"


def firm_view(power: str = FirmPower.CLIENTS) -> Callable[[FirmViewFunc], FirmViewFunc]:
    """Decorate a view `view(request, staff, **kwargs)` taking the URL's `slug`."""

    def decorate(view: FirmViewFunc) -> FirmViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, **kwargs: Any) -> HttpResponseBase:
            staff: FirmStaff = firm_get_for(user=request.user, slug=slug, power=power)
            if not is_mfa_enabled(staff.user):
                messages.info(
                    request,
                    f"{staff.firm.name} asks every member of its staff to use two-factor "
                    "sign-in. Set it up here, then carry on.",
                )
                return redirect(two_factor_setup_url(next_path=request.get_full_path()))
            return view(request, staff, **kwargs)

        return wrapper

    return decorate
