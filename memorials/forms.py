from django import forms

from memorials.models import Role


class MemorialCreateForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        label="Your name, as your family knows you",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Their email address")
    role = forms.ChoiceField(
        choices=[
            (Role.FAMILY, "Family: may visit and talk with your memorial"),
            (Role.STEWARD, "Steward: looks after your memorial and your wishes"),
        ],
        widget=forms.RadioSelect,
        initial=Role.FAMILY,
    )
