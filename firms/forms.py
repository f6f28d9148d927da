"""The forms of the firm's own pages (starting a firm, its settings, its staff)."""

from __future__ import annotations

from django import forms

from firms.models import FirmRole
from firms.setup import LOGO_MAX_BYTES


class FirmNewForm(forms.Form):
    name = forms.CharField(label="The firm's name", max_length=120)
    slug = forms.SlugField(
        label="Its web address",
        max_length=60,
        help_text="Lower-case letters, digits and hyphens, as in hart-vale. Clients see it "
        "in the firm's own join link.",
    )
    contact_email = forms.EmailField(label="Contact address for clients", required=False)


class FirmSettingsForm(forms.Form):
    name = forms.CharField(label="The firm's name", max_length=120)
    contact_email = forms.EmailField(label="Contact address for clients", required=False)
    contact_phone = forms.CharField(label="Contact telephone", max_length=40, required=False)
    website = forms.URLField(label="Website", required=False, assume_scheme="https")
    sender_name = forms.CharField(
        label="Name on the mail you send",
        max_length=120,
        required=False,
        help_text="Shown as the sender of invitations and reminders; the firm's name if empty.",
    )
    brand_colour = forms.RegexField(
        label="Brand colour",
        regex=r"^#[0-9a-fA-F]{6}$",
        required=False,
        max_length=7,
        help_text="Written like #2f5d62. Shown as a band beside your logo on clients' pages.",
        error_messages={"invalid": "A colour is written like #2f5d62."},
        widget=forms.TextInput(attrs={"type": "color"}),
    )


class FirmLogoForm(forms.Form):
    logo = forms.FileField(
        label="Logo",
        help_text=f"A PNG, JPEG or WebP image up to {LOGO_MAX_BYTES // (1024 * 1024)} MB; "
        "it is shrunk to fit 600 by 200 pixels.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )


ROLE_CHOICES = [
    (FirmRole.ADVISOR, "Advisor: clients, settings, staff and billing"),
    (FirmRole.ASSISTANT, "Assistant: clients only"),
    (FirmRole.OWNER, "Owner: everything, including the trail, the API and closing"),
]


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label="Their email address")
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES, initial=FirmRole.ADVISOR)


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=ROLE_CHOICES)
