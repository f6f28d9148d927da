from django.contrib import admin

from memorials.models import Invitation, Membership, Memorial


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    readonly_fields = ["user", "role", "created_at"]


@admin.register(Memorial)
class MemorialAdmin(admin.ModelAdmin):
    list_display = ["name", "subject", "state", "created_at"]
    list_filter = ["state"]
    readonly_fields = ["state", "state_changed_at"]  # states change through services only
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "memorial", "role", "expires_at", "accepted_at", "revoked_at"]
    exclude = ["token_hash"]
