from __future__ import annotations

from django import forms

from corpus.models import IdentityKind, Register


class IdentityForm(forms.Form):
    kind = forms.ChoiceField(choices=IdentityKind.choices, label="What it is")
    value = forms.CharField(max_length=255, label="Name, address or handle")


class CorrespondentForm(forms.Form):
    value = forms.CharField(max_length=255, label="Their name, address or handle")
    register = forms.ChoiceField(
        choices=[(r.value, r.label) for r in Register if r != Register.PUBLIC],
        label="They are",
    )


class RegisterForm(forms.Form):
    register = forms.ChoiceField(choices=Register.choices, label="Register")


class PassageSearchForm(forms.Form):
    q = forms.CharField(max_length=500, required=False, label="Search your writing")
    register = forms.ChoiceField(
        choices=[("", "All registers"), *Register.choices], required=False, label="Register"
    )
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="Until", widget=forms.DateInput({"type": "date"}))
    at = forms.DateField(
        required=False, label="Go to a date", widget=forms.DateInput({"type": "date"})
    )
