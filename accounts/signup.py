"""The sign-up's one extra field (ACCOUNT_SIGNUP_FORM_CLASS). Its own module: allauth's
sign-up form is built on it, so it may import nothing of allauth's forms."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest

from accounts.models import User
from core.names import NAME_MAX_LENGTH, name_clean, name_validator


class SignupForm(forms.Form):
    """allauth's sign-up, with the name the person goes by (used in Legacy's mail to them,
    and shown to their family)."""

    full_name = forms.CharField(
        label="Your name",
        max_length=NAME_MAX_LENGTH,
        required=False,
        validators=[name_validator],
        help_text="As your family knows you. You can change it later.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        name = self.cleaned_data.get("full_name", "")
        user.full_name = name_clean(name, label="Your name") if name.strip() else ""
        user.save(update_fields=["full_name"])
