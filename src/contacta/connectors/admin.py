from django.contrib import admin

from contacta.connectors.models import Inbox, InboxRule
from contacta.routing.admin import InlineTenantMixin, TenantInlineFormSet, TenantScopedAdmin


class InboxRuleInline(admin.TabularInline):  # type: ignore[type-arg]
    formset = TenantInlineFormSet
    model = InboxRule
    extra = 0
    exclude = ("tenant",)


@admin.register(Inbox)
class InboxAdmin(InlineTenantMixin, TenantScopedAdmin):
    list_display = ("name", "tenant", "kind", "default_queue", "public_key", "is_active")
    readonly_fields = ("public_key",)
    inlines = [InboxRuleInline]
