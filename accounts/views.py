"""The person's own settings: their name, their time zone (detected by their browser,
correctable here), and the way to their password, addresses, two-factor sign-in and the
deletion of their account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import AccountSettingsForm
from accounts.selectors import signed_in_user
from accounts.services import user_settings_update, user_time_zone_detect


@login_required
@require_http_methods(["GET", "POST"])
def account_settings(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(user=request.user)
    initial = {"full_name": user.full_name, "time_zone": user.time_zone}
    form = AccountSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        user_settings_update(
            user=user,
            full_name=form.cleaned_data["full_name"],
            time_zone=form.cleaned_data["time_zone"],
        )
        messages.success(request, "Your settings are saved.")
        return redirect("accounts:settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "account/settings.html", {"form": form}, status=status)


@login_required
@require_POST
def time_zone_detect(request: HttpRequest) -> HttpResponse:
    """Called once by static/js/time-zone.js with the browser's zone, while none is known."""
    user = signed_in_user(user=request.user)
    user_time_zone_detect(user=user, time_zone=request.POST.get("time_zone", "")[:64])
    return HttpResponse(status=204)
