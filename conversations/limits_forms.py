"""The steward's form for one visitor's time with the twin (conversations.limits_views)."""

from __future__ import annotations

from typing import Any

from django import forms

from conversations.guardrails.limits import Limits


class VisitLimitsForm(forms.Form):
    """Each field left empty keeps the gentle default, shown as its placeholder."""

    session_minutes = forms.IntegerField(
        label="One visit, in minutes", required=False, min_value=5, max_value=720
    )
    daily_minutes = forms.IntegerField(
        label="Each day, in minutes", required=False, min_value=5, max_value=1440
    )
    break_minutes = forms.IntegerField(
        label="A break reminder every (minutes; 0 for none)",
        required=False,
        min_value=0,
        max_value=720,
    )
    quiet_start = forms.TimeField(
        label="Quiet hours from", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(
        label="Quiet hours until", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    CLOCK = " (on the visitor's own clock, wherever they live)"

    def __init__(self, *args: Any, defaults: Limits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session_minutes"].widget.attrs["placeholder"] = defaults.session_minutes
        self.fields["daily_minutes"].widget.attrs["placeholder"] = defaults.daily_minutes
        self.fields["break_minutes"].widget.attrs["placeholder"] = defaults.break_minutes
        if defaults.quiet_start and defaults.quiet_end:
            self.fields["quiet_start"].help_text = f"Usually {defaults.quiet_start:%H:%M}"
            self.fields["quiet_end"].help_text = f"Usually {defaults.quiet_end:%H:%M}"
        else:
            self.fields["quiet_start"].help_text = "Usually none"
        self.fields["quiet_start"].help_text += self.CLOCK

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
            raise forms.ValidationError(
                "Quiet hours need both a start and an end (the same time for none)."
            )
        return data
