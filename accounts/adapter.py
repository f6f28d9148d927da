"""allauth, adapted: re-entering a password takes one of the person's limited attempts."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django import forms

from accounts.models import User
from accounts.reauthentication import (
    TOO_MANY_ATTEMPTS,
    reauthentication_attempt_reserve,
    reauthentication_attempts_clear,
)


class AccountAdapter(DefaultAccountAdapter):
    def reauthenticate(self, user: User, password: str) -> bool:
        """allauth's own check, once an attempt is reserved. allauth's rate limiter reads and
        then writes its count, so parallel requests could all pass it; the reservation is
        atomic, so no more than the limit are checked."""
        if not reauthentication_attempt_reserve(user=user):
            raise forms.ValidationError(TOO_MANY_ATTEMPTS, code="too_many_attempts")
        if not super().reauthenticate(user, password):
            return False
        reauthentication_attempts_clear(user=user)
        return True
