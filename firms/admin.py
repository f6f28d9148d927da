from django.contrib import admin

from firms.models import Firm, FirmClient, FirmStaff


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
