from __future__ import annotations

from typing import Any

from django import forms


class ErasureNameForm(forms.Form):
    """Typing the memorial's name exactly, as a last look at what is about to go."""

    typed_name = forms.CharField(
        label="Type the name of the memorial to confirm",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "off"}),
    )

    def __init__(self, *args: Any, memorial_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.memorial_name = memorial_name

    def clean_typed_name(self) -> str:
        typed: str = self.cleaned_data["typed_name"]
        # Spacing aside: a name stored with a line break (before names were checked) must
        # still be typeable on one line.
        if typed.split() != self.memorial_name.split():
            raise forms.ValidationError(
                "That is not the memorial's name exactly as written above. Nothing was erased."
            )
        return typed


class ErasureConfirmForm(ErasureNameForm):
    understood = forms.BooleanField(
        label="I understand that this erases everything, for ever, and cannot be undone.",
        required=True,
    )
