"""Setting up two-factor sign-in (allauth's TOTP page) with a way back: a page that asks for
two-factor first (every firm staff page does, `firms.views_common.firm_view`) sends the person
here with `next`, which is kept in the session (allauth's form posts without it). Once the
authenticator is set up they see their new recovery codes, with a link on to `next`
(templates/mfa/recovery_codes/base.html), or go straight there when no codes were made."""

from __future__ import annotations

from typing import Any

from allauth.mfa.totp.views import ActivateTOTPView
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

SESSION_KEY = "two_factor_next"


def two_factor_next(request: HttpRequest) -> str:
    """The request's `next` if it is a path on this site, else empty."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if not candidate.startswith("/") or not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return candidate


class TotpActivateView(ActivateTOTPView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        next_path = two_factor_next(request)
        if next_path:
            request.session[SESSION_KEY] = next_path
        return super().get(request, *args, **kwargs)

    def get_success_url(self) -> str:
        url = super().get_success_url()
        next_path = self.request.session.get(SESSION_KEY, "")
        if next_path and url != reverse("mfa_view_recovery_codes"):
            del self.request.session[SESSION_KEY]
            return str(next_path)
        return url


totp_activate = login_required(TotpActivateView.as_view())
