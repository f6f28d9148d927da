from __future__ import annotations

from typing import Any

from django import forms

from core.names import NAME_MAX_LENGTH, name_validator
from memorials.models import AgeGroup, EndingRule, Role, SunsetRule, VisitorRule


class MemorialCreateForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        label="Your name, as your family knows you",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        validators=[name_validator],
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Their email address")
    role = forms.ChoiceField(
        choices=[
            (Role.FAMILY, "Family: may talk with your twin, when you allow it"),
            (Role.STEWARD, "Steward: looks after your Legacy and your wishes"),
        ],
        widget=forms.RadioSelect,
        initial=Role.FAMILY,
    )

    @classmethod
    def with_role(cls, role: str | None) -> InvitationForm:
        """Empty, with `role` chosen when it is one of the choices (the checklist's links
        ask for a steward or for family); family otherwise."""
        return cls(initial={"role": role if role in (Role.FAMILY, Role.STEWARD) else Role.FAMILY})


class AgeGroupForm(forms.Form):
    """Asked of everyone accepting an invitation (and, once, of members who joined before
    it was asked): a visitor under 18 talks with the twin only once a steward agrees."""

    age_group = forms.ChoiceField(
        label="Your age",
        choices=[(AgeGroup.ADULT, "18 or over"), (AgeGroup.MINOR, "Under 18")],
        widget=forms.RadioSelect,
        error_messages={"required": "Please tell us whether you are 18 or over, or under 18."},
    )


class WishesForm(forms.Form):
    """The subject's wishes. `visitor_choices` are the people they may name."""

    visitors = forms.ChoiceField(
        label="Who may talk with your twin after your death",
        choices=VisitorRule.choices,
        widget=forms.RadioSelect,
    )
    named_visitors = forms.MultipleChoiceField(
        label="The people you name",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only used when you choose “only the people I name”.",
    )
    forbidden_topics = forms.CharField(
        label="Topics your twin must not discuss",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One topic per line. Your twin will gently decline to talk about them.",
    )
    talk_while_living = forms.BooleanField(
        label="My family may talk with my twin while I am still alive",
        required=False,
    )
    share_between_family = forms.BooleanField(
        label="Let the twin share with one family member what I wrote to another",
        required=False,
        help_text=(
            "Left unticked, what you wrote privately to one person is never drawn on when "
            "someone else talks with your twin."
        ),
    )
    sunset = forms.ChoiceField(
        label="When your Legacy ends", choices=SunsetRule.choices, widget=forms.RadioSelect
    )
    sunset_years = forms.IntegerField(
        label="Years after activation", required=False, min_value=1, max_value=100
    )
    sunset_on = forms.DateField(
        label="End date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ending = forms.ChoiceField(
        label="What happens at the end", choices=EndingRule.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, visitor_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["named_visitors"].choices = visitor_choices  # type: ignore[attr-defined]

    @property
    def topics(self) -> list[str]:
        return self.cleaned_data["forbidden_topics"].splitlines()


class ActivationStartForm(forms.Form):
    key = forms.CharField(
        label="Your activation key",
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="As printed: five groups of five letters and digits.",
    )
    certificate = forms.FileField(
        label="The death certificate",
        required=False,  # the service says why it is needed, in its own words
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
        help_text="A PDF, or a clear photo of it.",
    )


class ActivationApproveForm(forms.Form):
    confirm = forms.BooleanField(
        label="I have looked at the certificate, and I confirm that this person has died.",
        error_messages={"required": "Please confirm, by ticking the box, before approving."},
    )
