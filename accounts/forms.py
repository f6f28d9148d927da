"""allauth's forms, adapted: a two-factor code given to re-authenticate takes one of the
person's limited attempts, shared with passwords."""

from __future__ import annotations

from allauth.mfa.base.forms import ReauthenticateForm
from django import forms

from accounts.reauthentication import (
    TOO_MANY_ATTEMPTS,
    reauthentication_attempt_reserve,
    reauthentication_attempts_clear,
)


class MfaReauthenticateForm(ReauthenticateForm):
    def clean_code(self) -> str:
        if not reauthentication_attempt_reserve(user=self.user):
            raise forms.ValidationError(TOO_MANY_ATTEMPTS, code="too_many_attempts")
        code = super().clean_code()  # raises when the code is wrong
        reauthentication_attempts_clear(user=self.user)
        return code
