from django.contrib import admin

from accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "full_name", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    ordering = ["email"]
