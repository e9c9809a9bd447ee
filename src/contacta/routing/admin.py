from typing import Any

from django.contrib import admin
from django.forms.models import BaseInlineFormSet

from contacta.routing.models import (
    AgentProfile,
    AgentSkill,
    AgentStateLog,
    AuxReason,
    BusinessHours,
    Disposition,
    Queue,
    QueueSkill,
    Skill,
    Team,
)


class TenantScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Platform-admin screens; model.clean() refuses cross-tenant references on save."""

    list_filter = ("tenant",)


class TenantInlineFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """Inline rows take the parent's tenant before validation, so model.clean() can refuse
    references to another tenant's rows as a form error."""

    def _construct_form(self, i: int, **kwargs: Any) -> Any:
        form = super()._construct_form(i, **kwargs)  # type: ignore[misc]
        form.instance.tenant_id = self.instance.tenant_id
        return form


class QueueSkillInline(admin.TabularInline):  # type: ignore[type-arg]
    formset = TenantInlineFormSet
    model = QueueSkill
    extra = 0
    exclude = ("tenant",)


class DispositionInline(admin.TabularInline):  # type: ignore[type-arg]
    formset = TenantInlineFormSet
    model = Disposition
    extra = 0
    exclude = ("tenant",)


class AgentSkillInline(admin.TabularInline):  # type: ignore[type-arg]
    formset = TenantInlineFormSet
    model = AgentSkill
    extra = 0
    exclude = ("tenant",)


class InlineTenantMixin:
    """Inline rows inherit the parent's tenant, so one form can never mix tenants."""

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        for obj in formset.save(commit=False):
            obj.tenant = form.instance.tenant
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(Queue)
class QueueAdmin(InlineTenantMixin, TenantScopedAdmin):
    list_display = ("name", "tenant", "priority", "selection_policy", "sla_target_percent",
                    "sla_target_seconds", "offer_timeout_seconds", "wrap_up_seconds",
                    "auto_accept")
    inlines = [QueueSkillInline, DispositionInline]


@admin.register(AgentProfile)
class AgentProfileAdmin(InlineTenantMixin, TenantScopedAdmin):
    list_display = ("user", "tenant", "team", "chat_capacity", "status", "reason")
    readonly_fields = ("status", "reason", "status_since", "wrap_up_until", "idle_since",
                       "last_offer_at", "desktop_seen_at")
    inlines = [AgentSkillInline]


@admin.register(AgentStateLog)
class AgentStateLogAdmin(TenantScopedAdmin):
    list_display = ("agent", "tenant", "status", "reason", "started_at", "ended_at")


for model in (Skill, Team, BusinessHours, AuxReason, Disposition):
    admin.site.register(model, TenantScopedAdmin)
