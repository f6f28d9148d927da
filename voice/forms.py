from __future__ import annotations

from django import forms


class SampleUseForm(forms.Form):
    """Use a sample for the clone, or leave it out."""

    use = forms.TypedChoiceField(
        choices=[("1", "Use it"), ("0", "Leave it out")], coerce=lambda value: value == "1"
    )


class SpokenConsentForm(forms.Form):
    """The recording of the statement, for the statement it was made for."""

    spoken_id = forms.UUIDField(widget=forms.HiddenInput)
    recording = forms.FileField()
