from django.contrib import admin
from django.http import HttpRequest

from memorials.models import ActivationRequest, Invitation, Membership, Memorial


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    readonly_fields = ["user", "role", "created_at"]


@admin.register(Memorial)
class MemorialAdmin(admin.ModelAdmin):
    list_display = ["name", "subject", "state", "created_at"]  # the name, decrypted
    list_filter = ["state"]
    readonly_fields = ["name", "state", "state_changed_at"]  # changed through services only
    inlines = [MembershipInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # `memorial_create` makes one: its key, its encrypted name, its subject


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["id", "memorial", "role", "expires_at", "accepted_at", "revoked_at"]
    exclude = ["token_hash", "email_hash"]


@admin.register(ActivationRequest)
class ActivationRequestAdmin(admin.ModelAdmin):
    """Read-only: staff approve or refuse at /memorials/activations/review/, through the
    services, so every decision is checked and audited."""

    list_display = ["memorial", "started_by", "status", "created_at", "approvable_at", "decided_at"]
    list_filter = ["status"]
    exclude = ["certificate_path"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
