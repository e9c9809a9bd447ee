"""Voice configuration in the admin: each voice inbox's IVR, prompts and recording policy,
agents' phones, uploaded prompts, and the calls (read-only)."""

from django.contrib import admin

from contacta.routing.admin import TenantScopedAdmin
from contacta.voice.models import AgentPhone, Call, VoiceInbox, VoicePrompt


@admin.register(VoiceInbox)
class VoiceInboxAdmin(TenantScopedAdmin):
    list_display = ("inbox", "tenant", "language", "recording_policy", "caller_id")


@admin.register(AgentPhone)
class AgentPhoneAdmin(TenantScopedAdmin):
    list_display = ("agent", "tenant", "sip_uri")


@admin.register(VoicePrompt)
class VoicePromptAdmin(TenantScopedAdmin):
    list_display = ("key", "language", "tenant")


@admin.register(Call)
class CallAdmin(TenantScopedAdmin):
    list_display = ("pk", "tenant", "direction", "caller", "called", "status", "outcome",
                    "started_at", "wait_seconds")
    list_filter = ("tenant",)  # status and outcome are in the list; search by number
    search_fields = ("caller", "called")
    readonly_fields = ("conversation", "inbox", "recording", "customer_leg", "agent_leg")
