"""The dashboard's filters, search, sort and page, read from the query string (a form that
never fails: a value it does not know is left out, as if not given)."""

from __future__ import annotations

from typing import cast

from django import forms

from firms.dashboard import NO_ADVISOR, SORTS, DashboardQuery
from firms.models import ClientStage, FirmStaff
from memorials.models import MemorialState


class DashboardFilterForm(forms.Form):
    search = forms.CharField(
        required=False,
        max_length=100,
        label="Search",
        help_text="Part of a name or an email address.",
    )
    advisor = forms.ChoiceField(required=False, label="Advisor")
    stage = forms.ChoiceField(required=False, label="Stage")
    plan = forms.ChoiceField(required=False, label="Plan")
    activation = forms.ChoiceField(required=False, label="Memorial")
    sort = forms.ChoiceField(
        required=False, choices=[(key, label) for key, (label, _) in SORTS.items()]
    )
    order = forms.ChoiceField(required=False, choices=[("asc", "asc"), ("desc", "desc")])
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(
        self,
        *args: object,
        advisors: list[FirmStaff],
        plans: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["advisor"]).choices = [
            ("", "Any advisor"),
            *[(str(staff.pk), str(staff.user)) for staff in advisors],
            (NO_ADVISOR, "No advisor"),
        ]
        cast(forms.ChoiceField, self.fields["stage"]).choices = [
            ("", "Any stage"),
            *ClientStage.choices,
        ]
        cast(forms.ChoiceField, self.fields["plan"]).choices = [("", "Any plan"), *plans]
        cast(forms.ChoiceField, self.fields["activation"]).choices = [
            ("", "Any state"),
            *[(value, label) for value, label in MemorialState.choices],
        ]

    def dashboard_query(self) -> DashboardQuery:
        """The query the valid fields make (an invalid field counts as not given)."""
        self.is_valid()
        data = {
            name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors
        }
        return DashboardQuery(
            advisor=data.get("advisor") or "",
            stage=data.get("stage") or "",
            plan=data.get("plan") or "",
            activation=data.get("activation") or "",
            search=data.get("search") or "",
            sort=data.get("sort") or "name",
            descending=data.get("order") == "desc",
            page=data.get("page") or 1,
        )
