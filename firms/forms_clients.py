"""Forms of the firm's clients pages."""

from __future__ import annotations

from typing import Any

from django import forms

from firms.imports import IMPORT_MAX_BYTES
from firms.models import FirmStaff


class AdvisorChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.full_name or obj.user.email} ({obj.get_role_display().lower()})"


class ClientAddForm(forms.Form):
    name = forms.CharField(label="Client's full name", max_length=200)
    email = forms.EmailField(label="Client's email address", max_length=254)
    advisor = AdvisorChoice(
        label="Advisor", queryset=FirmStaff.objects.none(), required=False, empty_label="No one yet"
    )

    def __init__(self, *args: Any, firm_id: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["advisor"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = FirmStaff.objects.select_related("user").filter(
            firm_id=firm_id, removed_at__isnull=True
        )


class ClientImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: name, email and (if you like) advisor, by their staff email.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {IMPORT_MAX_BYTES // (1024 * 1024)} MB. "
                "Split it in parts."
            )
        return upload


class JoinForm(forms.Form):
    name = forms.CharField(label="Your full name", max_length=200)
    email = forms.EmailField(label="Your email address", max_length=254)
