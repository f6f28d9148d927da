"""Forms of the firm's API page."""

from __future__ import annotations

from django import forms

from firms.models import ApiScope, WebhookEventKind


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=80,
        help_text="What the token is for, such as the practice software's name.",
    )
    scopes = forms.MultipleChoiceField(
        label="It may",
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one thing the token may do."},
    )


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label="Address",
        max_length=200,
        help_text="Where we send the events, starting with https://.",
    )
    kinds = forms.MultipleChoiceField(
        label="Events",
        choices=WebhookEventKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None chosen sends every event.",
    )
