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


class AuditFilterForm(forms.Form):
    """The audit page's filters, all optional: a kind of action, a person, a range of days."""

    kind = forms.ChoiceField(label="Kind of action", required=False)
    who = forms.ChoiceField(label="Who", required=False)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, *args: Any, kinds: list[tuple[str, str]], people: list[tuple[str, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        kind, who = self.fields["kind"], self.fields["who"]
        assert isinstance(kind, forms.ChoiceField) and isinstance(who, forms.ChoiceField)
        kind.choices = [("", "Every kind"), *kinds]
        who.choices = [("", "Everyone"), *people]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "This day comes before the first one.")
        return cleaned
