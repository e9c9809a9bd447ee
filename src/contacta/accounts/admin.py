from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from contacta.accounts.models import ApiToken, User


@admin.register(User)
class ContactaUserAdmin(UserAdmin):  # type: ignore[type-arg]
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Contacta", {"fields": ("language",)}))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "user", "tenant", "prefix", "created_at", "last_used_at", "revoked")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    fields = ("user", "tenant", "name", "revoked", "prefix", "created_at", "last_used_at")
