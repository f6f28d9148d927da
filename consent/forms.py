from typing import Any

from django import forms

from core.names import NAME_MAX_LENGTH, name_validator


class ConsentSignForm(forms.Form):
    """The act of signing: the text's hash and the typed name. Who is signing is confirmed by
    allauth's re-authentication before the POST reaches the view."""

    document_sha256 = forms.CharField(widget=forms.HiddenInput)
    typed_name = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        label="Type your full name to sign",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        validators=[name_validator],
    )

    def __init__(self, *args: Any, expected_name: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["typed_name"].help_text = f"Exactly as: {expected_name}"
