"""allauth, adapted: re-entering a password takes one of the person's limited attempts, and
someone who set up two-factor re-authenticates with it (before signing a consent, or the
kill switch), not with the password alone."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.utils import is_mfa_enabled
from django import forms

from accounts.models import User
from accounts.reauthentication import (
    TOO_MANY_ATTEMPTS,
    reauthentication_attempt_reserve,
    reauthentication_attempts_clear,
)

SECOND_FACTOR_NEEDED = (
    "You set up two-factor sign-in, so please confirm with a code from your authenticator "
    "app (or a recovery code)."
)


class AccountAdapter(DefaultAccountAdapter):
    def get_reauthentication_methods(self, user: User) -> list[dict]:
        """Only the second factor, for someone who has one; every method otherwise."""
        methods = super().get_reauthentication_methods(user)
        second_factor = [m for m in methods if m["id"].startswith("mfa_reauthenticate")]
        return second_factor or methods

    def reauthenticate(self, user: User, password: str) -> bool:
        """allauth's own check, once an attempt is reserved. allauth's rate limiter reads and
        then writes its count, so parallel requests could all pass it; the reservation is
        atomic, so no more than the limit are checked."""
        if is_mfa_enabled(user):
            raise forms.ValidationError(SECOND_FACTOR_NEEDED, code="second_factor_needed")
        if not reauthentication_attempt_reserve(user=user):
            raise forms.ValidationError(TOO_MANY_ATTEMPTS, code="too_many_attempts")
        if not super().reauthenticate(user, password):
            return False
        reauthentication_attempts_clear(user=user)
        return True
