from __future__ import annotations

from django import forms

from corpus.models import IdentityKind, Register


class IdentityForm(forms.Form):
    kind = forms.ChoiceField(choices=IdentityKind.choices, label="What it is")
    value = forms.CharField(max_length=255, label="Name, email address or username")


class CorrespondentForm(forms.Form):
    value = forms.CharField(max_length=255, label="Their name, email address or username")
    register = forms.ChoiceField(
        choices=[(r.value, r.label) for r in Register if r != Register.PUBLIC],
        label="They are",
    )


class RegisterForm(forms.Form):
    register = forms.ChoiceField(choices=Register.choices, label="Part of your life")


class PassageSearchForm(forms.Form):
    q = forms.CharField(max_length=500, required=False, label="Search your writing")
    register = forms.ChoiceField(
        choices=[("", "Every part of your life"), *Register.choices],
        required=False,
        label="Part of your life",
    )
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="Until", widget=forms.DateInput({"type": "date"}))
    at = forms.DateField(
        required=False, label="Go to a date", widget=forms.DateInput({"type": "date"})
    )
