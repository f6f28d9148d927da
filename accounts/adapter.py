"""allauth, adapted: re-entering a password takes one of the person's limited attempts,
someone who set up two-factor re-authenticates with it (before signing a consent, or the
kill switch), not with the password alone, and mail names the site by its name
(LEGACY_SITE_NAME) and greets the person by theirs."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.utils import is_mfa_enabled
from django import forms
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from accounts.models import User
from accounts.reauthentication import (
    TOO_MANY_ATTEMPTS,
    reauthentication_attempt_reserve,
    reauthentication_attempts_clear,
)
from core.mail import mail_style

SECOND_FACTOR_NEEDED = (
    "You set up two-factor sign-in, so please confirm with a code from your authenticator "
    "app (or a recovery code)."
)


@dataclass(frozen=True)
class SiteNamed:
    """What allauth's mail templates read as `current_site`: the site's name, never its host
    and port ("127.0.0.1:18800"), and the host of its public address."""

    name: str
    domain: str


def site_named() -> SiteNamed:
    domain = urlsplit(settings.SITE_URL).netloc or settings.LEGACY_SITE_NAME
    return SiteNamed(name=settings.LEGACY_SITE_NAME, domain=domain)


def person_name(user: object) -> str:
    """The name to greet someone by in mail: their full name, or "" (then "Hello,")."""
    return str(getattr(user, "full_name", "") or "")


class AccountAdapter(DefaultAccountAdapter):
    def format_email_subject(self, subject: str) -> str:
        return f"[{settings.LEGACY_SITE_NAME}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's, with the site named and the person's name for the greeting."""
        user = context.get("user")
        if user is None:
            user = User.objects.filter(email__iexact=email).first()
        request = allauth_context.request
        site_url = request.build_absolute_uri("/").rstrip("/") if request else settings.SITE_URL
        context = {
            **context,
            "current_site": site_named(),
            "site_name": settings.LEGACY_SITE_NAME,
            "site_url": site_url,
            "person_name": person_name(user),
        }
        super().send_mail(template_prefix, email, context)

    def render_mail(self, template_prefix: str, email: str, context: dict, headers=None):  # type: ignore[no-untyped-def]
        """allauth's, its HTML part in the house style like all our mail (core.mail)."""
        message = super().render_mail(template_prefix, email, context, headers=headers)
        if isinstance(message, EmailMultiAlternatives):
            alternatives, message.alternatives = list(message.alternatives), []
            for content, kind in alternatives:
                styled = mail_style(str(content)) if kind == "text/html" else content
                message.attach_alternative(styled, kind)
        return message

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
