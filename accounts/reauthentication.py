"""Re-authentication (allauth's: password, an emailed code, or a two-factor method) before
sensitive acts: the attempts it may take, and how a person last did it in this session."""

from __future__ import annotations

from allauth.account import app_settings as account_settings
from allauth.account.internal.flows.login import get_authentication_records
from django.conf import settings
from django.http import HttpRequest

from accounts.models import User
from core.attempts import attempt_reserve, attempts_clear

ATTEMPTS_WINDOW_S = 15 * 60
TOO_MANY_ATTEMPTS = "Too many attempts. Please wait a quarter of an hour and try again."


def _attempts_key(user: User) -> str:
    return f"accounts.reauthentication.attempts:{user.pk}"


def reauthentication_attempt_reserve(*, user: User) -> bool:
    """One of the person's `REAUTHENTICATION_ATTEMPTS` per quarter of an hour, passwords and
    codes together; False when they are used up (then nothing may be checked)."""
    return attempt_reserve(
        key=_attempts_key(user),
        limit=settings.REAUTHENTICATION_ATTEMPTS,
        window_s=ATTEMPTS_WINDOW_S,
    )


def reauthentication_attempts_clear(*, user: User) -> None:
    attempts_clear(key=_attempts_key(user))


def reauthentication_method(*, request: HttpRequest) -> str | None:
    """How the signed-in person last re-authenticated in this session, from allauth's records:
    "password", "code" (emailed), or the two-factor type ("totp", "recovery_codes",
    "webauthn"); None if they have not."""
    records = [
        record
        for record in get_authentication_records(request, request.user)
        if record.get("reauthenticated")
        and record.get("method") in account_settings.REAUTHENTICATION_METHODS
    ]
    if not records:
        return None
    last = records[-1]
    return str(last.get("type", "")) if last["method"] == "mfa" else str(last["method"])
