from django import forms
from django.contrib import admin

from billing.models import SubscriptionStatus
from firms.models import Firm, FirmClient, FirmStaff, FirmSubscription


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at", "closed_at"]
    search_fields = ["name", "slug"]


@admin.register(FirmStaff)
class FirmStaffAdmin(admin.ModelAdmin):
    list_display = ["user", "firm", "role", "created_at", "removed_at"]
    list_filter = ["role"]


@admin.register(FirmClient)
class FirmClientAdmin(admin.ModelAdmin):
    # Status only: the firm's roster record, never the client's memorial contents.
    list_display = ["name", "firm", "stage", "created_at", "detached_at"]
    list_filter = ["stage"]
    search_fields = ["name", "email"]


class FirmSubscriptionForm(forms.ModelForm):
    status = forms.ChoiceField(choices=SubscriptionStatus.choices)

    class Meta:
        model = FirmSubscription
        fields = [
            "status",
            "price",
            "period_start",
            "period_end",
            "provider",
            "provider_customer_id",
            "provider_subscription_id",
        ]


@admin.register(FirmSubscription)
class FirmSubscriptionAdmin(admin.ModelAdmin):
    """Where Legacy's staff mark a firm's plan paid (the manual provider) or link it to the
    provider's subscription; the seat count follows the roster (`firms.seats`)."""

    form = FirmSubscriptionForm
    list_display = ["firm", "plan", "status", "quantity", "provider", "period_end"]
    list_filter = ["status", "provider"]
    readonly_fields = ["quantity"]
