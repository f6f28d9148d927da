"""Forms of the steward and leaving pages (the firm's activation request reuses the
memorial's own `ActivationStartForm`)."""

from __future__ import annotations

from django import forms


class FirmCloseForm(forms.Form):
    name = forms.CharField(
        label="Type the firm's name to confirm",
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
