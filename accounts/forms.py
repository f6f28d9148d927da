"""A person's own forms: allauth's two-factor re-authentication, adapted (a code takes one of
the person's limited attempts, shared with passwords), and their settings."""

from __future__ import annotations

from allauth.mfa.base.forms import ReauthenticateForm
from django import forms
from django.conf import settings

from accounts.reauthentication import (
    TOO_MANY_ATTEMPTS,
    reauthentication_attempt_reserve,
    reauthentication_attempts_clear,
)
from accounts.selectors import time_zone_names
from core.names import NAME_MAX_LENGTH, name_clean, name_validator


class MfaReauthenticateForm(ReauthenticateForm):
    def clean_code(self) -> str:
        if not reauthentication_attempt_reserve(user=self.user):
            raise forms.ValidationError(TOO_MANY_ATTEMPTS, code="too_many_attempts")
        code = super().clean_code()  # raises when the code is wrong
        reauthentication_attempts_clear(user=self.user)
        return code


def _time_zone_choices() -> list[tuple[str, str]]:
    site = settings.TIME_ZONE
    return [("", f"Not chosen ({site}, the site's own)")] + [
        (name, name.replace("_", " ")) for name in time_zone_names()
    ]


class AccountSettingsForm(forms.Form):
    full_name = forms.CharField(
        label="Your name",
        max_length=NAME_MAX_LENGTH,
        required=False,
        validators=[name_validator],
        help_text="How Legacy greets you, and how your family sees you named.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    time_zone = forms.ChoiceField(
        label="Your time zone",
        choices=_time_zone_choices,
        required=False,
        help_text="Every date and time Legacy shows you is in this zone.",
    )

    def clean_full_name(self) -> str:
        value = self.cleaned_data["full_name"]
        return name_clean(value, label="Your name") if value.strip() else ""
